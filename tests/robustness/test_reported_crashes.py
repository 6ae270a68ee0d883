"""Every request that answered 500 when the portal was fuzzed, one by one, on both databases.

Each now answers with a clear message: 404 for an id no table can hold, 422 with
`{"errors": ...}` from the API, a page with the reason, or search results with a
`message`. Nothing is saved by a refused request.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import IntegerConverter

from portal.extensions import db
from portal.models import IntelligenceItem, Role
from tests import factories
from tests.conftest import api_token_for, csrf_token_from
from tests.intelligence.helpers import api_fields, form_fields

HOSTILE_QUERIES = [
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    '"',
    "*",
    "😀",
    "()()()",
    "\\",
    "the and",
    "the",
    "AND OR NOT",
    "-",
    ":",
    "theme:",
    'agency:"cqc mps"',
    'theme:"infection control"',
    "provider:cedar*",
    'provider:"cedar lodge"',
    "title:rota*",
    "agency:mps*",
    "theme:infect*",
    "(" * 250 + "falls" + ")" * 250,
    "NOT " * 60 + "falls",
    "x" * 1000,
    "falls " * 64,
]
#: Over 1,000 characters or 64 terms: refused with the reason (422 from the API).
OVER_LIMITS = [
    "x" * 5000,
    "falls " * 600,
    "falls OR " * 70 + "night",
    "(" * 600 + "falls" + ")" * 600,
]
HUGE_IDS = ["2147483648", "9223372036854775808", "99999999999999999999999999"]
ODD_DIGITS = ["%C2%B2", "%E2%91%A0", "%D9%A3", "-1", "0", "1e3", "%00"]


def count_items() -> int:
    """How many items the database holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(IntelligenceItem)) or 0


@pytest.fixture
def member(client, login_as):
    """A signed-in council member with one item to find, and an API token."""
    user = login_as(Role.MEMBER)
    provider = factories.provider(name="Cedar Lodge Care Home", postcode="SW19 2HL")
    factories.item(user, provider=provider, themes=["infection-control", "falls"])
    db.session.commit()
    user.token = api_token_for(user)
    return user


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_any_query_gets_results_or_a_message_from_the_api(client, member, query):
    headers = {"Authorization": f"Bearer {member.token}"}
    response = client.get("/api/v1/search", query_string={"q": query}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body["total"], int)
    assert body["total"] > 0 or body["message"] or body["hits"] == []


@pytest.mark.parametrize("query", OVER_LIMITS)
def test_an_over_long_query_is_refused_with_its_reason(client, member, query):
    headers = {"Authorization": f"Bearer {member.token}"}
    response = client.get("/api/v1/search", query_string={"q": query}, headers=headers)
    assert response.status_code == 422
    assert "Search with" in response.get_json()["errors"]["q"]
    page = client.get("/search", query_string={"q": query})
    assert page.status_code == 200 and "Search with" in page.get_data(as_text=True)


@pytest.mark.parametrize("query", HOSTILE_QUERIES + OVER_LIMITS)
def test_any_query_gets_a_results_page(client, member, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "Sorry, there is a problem with the service" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/search?q=the+and", "/api/v1/search?q=AND"])
def test_a_query_of_only_common_words_or_operators_says_so(client, member, path):
    body = client.get(path, headers={"Authorization": f"Bearer {member.token}"}).get_json()
    assert body["total"] == 0 and body["hits"] == []
    assert body["message"]


def test_only_common_words_on_the_page_says_so(client, member):
    page = client.get("/search?q=the+and").get_data(as_text=True)
    assert "only has very common words" in page


def test_deep_brackets_are_searched_as_plain_words_with_a_message(client, member):
    query = "(" * 250 + "cedar" + ")" * 250
    headers = {"Authorization": f"Bearer {member.token}"}
    body = client.get("/api/v1/search", query_string={"q": query}, headers=headers).get_json()
    assert "nest more than" in body["message"]
    assert body["total"] >= 1


def routes_with_ids(app: Flask) -> list[str]:
    """Every page or call that takes an id and answers GET, as a template with {} for each id.

    (A POST-only route answers a GET 405 before its id is read.)
    """
    templates = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", "{}")
            templates.append(path)
    return templates


def test_every_route_with_an_id_has_been_found(app):
    templates = routes_with_ids(app)
    assert "/api/v1/intelligence/{}" in templates
    assert "/intelligence/{}/attachments/{}" in templates
    assert len(templates) >= 9


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_an_id_beyond_any_table_is_not_found(app, client, member, huge):
    headers = {"Authorization": f"Bearer {member.token}"}
    for template in routes_with_ids(app):
        path = template.replace("{}", huge)
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path


@pytest.mark.parametrize("digits", ODD_DIGITS)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?page={}",
        "/search?q=cedar&page={}",
        "/intelligence?page={}",
        "/providers?page={}",
        "/intelligence?provider_id={}",
        "/intelligence/new?provider_id={}",
        "/api/v1/providers?page={}",
        "/?page={}",
    ],
)
def test_digits_that_are_not_numbers_get_an_answer_not_an_error(client, member, path, digits):
    response = client.get(path.format(digits), headers={"Authorization": f"Bearer {member.token}"})
    assert response.status_code in (200, 400, 422), (path, digits, response.status_code)
    if response.status_code == 422:
        assert response.get_json()["errors"]


@pytest.mark.parametrize(
    "change",
    [
        {"likelihood": "\u00b2"},
        {"impact": "\u2460"},
        {"provider_id": "\u2460"},
        {"provider_id": -9223372036854775809},
        {"provider_id": 9223372036854775808},
        {"provider_id": 2147483648},
        {"provider_id": True},
        {"likelihood": 4.5},
        {"likelihood": float("inf")},
        {"title": "x\ud800"},
        {"body": "null byte \x00 here"},
        {"title": "x" * 100_000},
        {"themes": "staffing"},
        {"themes": [["staffing"]]},
        {"themes": [None]},
        {"recipients": [{"email": "x"}], "marking": "RED"},
        {"marking": None},
        {"observed_on": "2026-02-30"},
        {"observed_on": 20261005},
        {"unknown\x00": 1},
    ],
)
def test_a_bad_field_in_a_posted_item_is_422_and_saves_nothing(client, member, change):
    headers = {"Authorization": f"Bearer {member.token}", "Content-Type": "application/json"}
    provider_id = db.session.scalar(sa.select(IntelligenceItem.provider_id))
    body = json.dumps(api_fields(provider_id) | change, allow_nan=True)
    before = count_items()
    response = client.post("/api/v1/intelligence", data=body, headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["errors"]
    assert count_items() == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,
        '{"title": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"title": "x\\ud800"}',
        '{"title": "\\u0000"}',
        "{",
        "",
        "null",
        "[]",
        '"text"',
        "1" * 5000,
        b"\xff\xfe".decode("latin-1"),
    ],
)
def test_a_body_that_is_not_a_usable_json_object_is_422(client, member, body):
    headers = {"Authorization": f"Bearer {member.token}", "Content-Type": "application/json"}
    before = count_items()
    response = client.post("/api/v1/intelligence", data=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]
    assert count_items() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?agency=%00",
        "/api/v1/search?q=%00",
        "/api/v1/providers?q=%00",
        "/api/v1/providers?postcode=%00",
    ],
)
def test_a_nul_byte_in_an_api_argument_is_422(client, member, path):
    response = client.get(path, headers={"Authorization": f"Bearer {member.token}"})
    assert response.status_code == 422
    assert "NUL" in json.dumps(response.get_json()["errors"])


@pytest.mark.parametrize(
    "path", ["/search?agency=%00", "/search?q=%00", "/intelligence?provider=%00"]
)
def test_a_nul_byte_in_a_page_argument_gets_a_page_that_says_so(client, member, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_byte_in_the_sign_in_form_gets_a_page_that_says_so(app, client):
    client.get("/sign-in")
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token_from(page), "email": "\x00", "password": "x"},
    )
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/sign-in", "/intelligence/new", "/sign-out"])
def test_a_form_part_without_a_name_is_refused_not_a_crash(client, path):
    body = b"--X\r\nContent-Disposition: form-data\r\n\r\nx\r\n--X--\r\n"
    response = client.post(
        path, data=body, headers={"Content-Type": "multipart/form-data; boundary=X"}
    )
    assert response.status_code == 400
    assert "has no name" in response.get_data(as_text=True)


def test_a_circled_digit_in_the_item_form_is_a_clear_error_and_saves_nothing(client, member):
    provider_id = db.session.scalar(sa.select(IntelligenceItem.provider_id))
    page = client.get(f"/intelligence/new?provider_id={provider_id}").get_data(as_text=True)
    fields = form_fields(provider_id, likelihood="①", csrf_token=csrf_token_from(page))
    before = count_items()
    response = client.post("/intelligence/new", data=fields)
    assert response.status_code in (200, 400)
    assert "error-summary" in response.get_data(as_text=True)
    assert count_items() == before
