"""Hypothesis drives the running portal (the Flask test client), on both databases.

Every /api/v1 endpoint, the search page and the forms get generated queries, filter
values, ids, page numbers and bodies. Whatever comes in: never a 5xx; the API's bad
input is 422 with `{"errors": {...}}` (or a 200 with a `message`); a page shows its
message; nothing is saved by a refused request. Examples are bounded so the suite
stays fast; a failure prints the one request that caused it.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.inputs import text_problem
from portal.models import ContractVisit, IntelligenceItem, Meeting, Provider, Role
from portal.providers.admin import EDITABLE
from portal.search.query import query_problem
from tests import factories
from tests.conftest import api_token_for, csrf_token_from
from tests.intelligence.helpers import api_fields, form_fields, sign_in_as
from tests.robustness.strategies import (
    FIELD_JUNK,
    FILTERS,
    ITEM_FIELDS,
    NUMBER_TEXT,
    QUERY,
    item_bodies,
    visit_bodies,
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
#: Every API route and the fuzz test that covers it; a new route must be added here.
API_ROUTES = {
    "/api/v1/openapi.json": "test_api_reads_never_fail",
    "/api/v1/providers": "test_api_reads_never_fail",
    "/api/v1/providers/<int:provider_id>": "test_api_reads_never_fail",
    "/api/v1/intelligence/<int:item_id>": "test_api_reads_never_fail",
    "/api/v1/search": "test_api_search_never_fails and test_any_query_alone_gets_results...",
    "/api/v1/intelligence": "test_posting_any_body_never_fails_or_saves_a_bad_item",
    "/api/v1/meetings": "test_posting_any_meeting_never_fails_or_saves_a_bad_one",
    "/api/v1/meetings/<int:meeting_id>": "test_meeting_api_reads_never_fail",
    "/api/v1/meetings/<int:meeting_id>/packs": "test_meeting_api_reads_never_fail",
    "/api/v1/meetings/<int:meeting_id>/packs/<int:version>.pdf": "test_meeting_api_reads_never_fail",
    "/api/v1/contract-visits": "test_posting_any_visit_never_fails_or_saves_a_bad_visit",
    "/api/v1/contract-visits/<int:visit_id>": "test_api_reads_never_fail",
    "/api/v1/jobs/<job_id>": "test_meeting_api_reads_never_fail",
}


def counts() -> tuple[int, int]:
    """How many items and providers the database holds."""
    items = db.session.scalar(sa.select(sa.func.count()).select_from(IntelligenceItem))
    providers = db.session.scalar(sa.select(sa.func.count()).select_from(Provider))
    return items or 0, providers or 0


def visit_counts() -> tuple[int, int]:
    """How many contract visits and intelligence items the database holds."""
    visits = db.session.scalar(sa.select(sa.func.count()).select_from(ContractVisit))
    return visits or 0, counts()[0]


def assert_answer(response: Any, where: str) -> None:
    """Never a 5xx; the API's refusals carry a message per field."""
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if where.startswith("/api/") and response.status_code == 422:
        errors = response.get_json()["errors"]
        assert isinstance(errors, dict) and errors and all(errors.values()), where
    if where.startswith("/api/") and response.status_code == 200:
        assert response.is_json, where


@pytest.fixture
def world(app: Flask, client: FlaskClient, login_as: Any) -> SimpleNamespace:
    """A member with a token and a provider with items, signed in on the client."""
    member = login_as(Role.MEMBER, "MPS")
    cedar = factories.provider(name="Cedar Lodge Care Home", postcode="SW19 2HL")
    item = factories.item(member, provider=cedar, themes=["infection-control", "falls"])
    db.session.commit()
    token = api_token_for(member)
    return SimpleNamespace(
        member=member,
        provider=cedar,
        item=item,
        headers={"Authorization": f"Bearer {token}"},
    )


def test_every_api_route_is_fuzzed(app: Flask) -> None:
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes == set(API_ROUTES), "add the new API route to a fuzz test and to API_ROUTES"


@settings(FUZZ, max_examples=100)
@given(query=QUERY)
def test_any_query_alone_gets_results_or_a_message(
    client: FlaskClient, world: SimpleNamespace, query: str
) -> None:
    """A query is searched, or read as plain words, or explained; only text that no request
    may carry (a NUL byte, a lone surrogate) is refused, with its message."""
    response = client.get("/api/v1/search", query_string={"q": query}, headers=world.headers)
    assert_answer(response, f"/api/v1/search q={query!r}")
    if text_problem(query):
        assert response.status_code == 422 and response.get_json()["errors"]
        assert client.get("/search", query_string={"q": query}).status_code == 400
        return
    if query_problem(query):
        # Over 1,000 characters or 64 terms: refused with the reason, on the page too.
        assert response.status_code == 422 and response.get_json()["errors"]["q"]
        refused = client.get("/search", query_string={"q": query})
        assert refused.status_code == 200 and "There is a problem" in refused.get_data(True)
        return
    assert response.status_code == 200
    body = response.get_json()
    assert body["hits"] or body["message"] or body["total"] == 0
    page = client.get("/search", query_string={"q": query})
    assert_answer(page, f"/search q={query!r}")
    assert page.status_code == 200


@FUZZ
@given(filters=FILTERS)
def test_api_search_never_fails(client: FlaskClient, world: SimpleNamespace, filters: dict) -> None:
    before = counts()
    response = client.get("/api/v1/search", query_string=filters, headers=world.headers)
    assert_answer(response, f"/api/v1/search {filters!r}")
    if response.status_code == 200:
        body = response.get_json()
        assert body["total"] >= len(body["hits"])
        assert set(body) >= {"total", "hits", "facets", "message"}
    assert counts() == before


@FUZZ
@given(filters=FILTERS, path_id=NUMBER_TEXT, which=st.integers(min_value=0, max_value=4))
def test_api_reads_never_fail(
    client: FlaskClient, world: SimpleNamespace, filters: dict, path_id: str, which: int
) -> None:
    path = [
        "/api/v1/providers",
        f"/api/v1/providers/{quote(path_id, safe='')}",
        f"/api/v1/intelligence/{quote(path_id, safe='')}",
        "/api/v1/openapi.json",
        f"/api/v1/contract-visits/{quote(path_id, safe='')}",
    ][which]
    response = client.get(path, query_string=filters, headers=world.headers)
    assert_answer(response, f"{path} {filters!r}")


@FUZZ
@given(data=st.data())
def test_posting_any_body_never_fails_or_saves_a_bad_item(
    client: FlaskClient, world: SimpleNamespace, data: st.DataObject
) -> None:
    body = data.draw(item_bodies(api_fields(world.provider.id)))
    before = counts()
    response = client.post(
        "/api/v1/intelligence",
        data=body,
        headers=world.headers | {"Content-Type": "application/json"},
    )
    assert_answer(response, f"/api/v1/intelligence {body[:300]!r}")
    if response.status_code == 201:
        assert counts()[0] == before[0] + 1
        created = db.session.get(IntelligenceItem, response.get_json()["id"])
        assert created is not None and created.provider_id == world.provider.id
    else:
        assert response.status_code in (400, 422), response.status_code
        assert counts() == before


@FUZZ
@given(data=st.data())
def test_posting_any_visit_never_fails_or_saves_a_bad_visit(
    client: FlaskClient, world: SimpleNamespace, data: st.DataObject
) -> None:
    council = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token_for(council)}"}
    client.delete_cookie("session")  # the token, not the police member's session, signs in
    body = data.draw(visit_bodies(world.provider.id))
    before = visit_counts()
    response = client.post(
        "/api/v1/contract-visits",
        data=body,
        headers=headers | {"Content-Type": "application/json"},
    )
    assert_answer(response, f"/api/v1/contract-visits {body[:300]!r}")
    if response.status_code == 201:
        created = db.session.get(ContractVisit, response.get_json()["id"])
        assert created is not None and created.provider_id == world.provider.id
        assert visit_counts()[0] == before[0] + 1
    else:
        assert response.status_code in (400, 422), response.status_code
        assert visit_counts() == before


@FUZZ
@given(filters=FILTERS)
def test_the_search_page_never_fails(
    client: FlaskClient, world: SimpleNamespace, filters: dict
) -> None:
    response = client.get("/search", query_string=filters)
    assert_answer(response, f"/search {filters!r}")
    assert response.status_code in (200, 400)


@FUZZ
@given(query=QUERY, page=NUMBER_TEXT)
def test_the_lists_never_fail(
    client: FlaskClient, world: SimpleNamespace, query: str, page: str
) -> None:
    for path in ("/intelligence", "/providers", "/"):
        response = client.get(
            path, query_string={"q": query, "provider": query, "page": page, "provider_id": page}
        )
        assert_answer(response, f"{path} q={query!r} page={page!r}")


SIGN_IN_TEXT = st.text(max_size=300) | st.sampled_from(["\x00", "a@b.c", "x" * 5000, "' OR 1=1 --"])


@FUZZ
@given(email=SIGN_IN_TEXT, password=SIGN_IN_TEXT, next_url=SIGN_IN_TEXT)
def test_the_sign_in_form_never_fails(app: Flask, email: str, password: str, next_url: str) -> None:
    browser = app.test_client()
    page = browser.get("/sign-in").get_data(as_text=True)
    response = browser.post(
        f"/sign-in?next={quote(next_url, safe='')}",
        data={"csrf_token": csrf_token_from(page), "email": email, "password": password},
    )
    assert_answer(response, f"/sign-in {email!r} {password!r}")
    assert response.status_code in (200, 400)


#: The log-intelligence form's fields: the API's, with the date in three boxes.
FORM_FIELDS = [
    *(name for name in ITEM_FIELDS if name not in ("cqc_location_id", "observed_on")),
    "observed_day",
    "observed_month",
    "observed_year",
]
FORM_VALUE = (
    st.text(max_size=60)
    | NUMBER_TEXT
    | st.just("z" * 20_000)
    | st.lists(st.text(max_size=20), max_size=3)
)


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(FORM_FIELDS), FORM_VALUE, min_size=1, max_size=5))
def test_the_log_intelligence_form_never_fails(
    client: FlaskClient, world: SimpleNamespace, changes: dict
) -> None:
    page = client.get(f"/intelligence/new?provider_id={world.provider.id}")
    fields = form_fields(world.provider.id, csrf_token=csrf_token_from(page.get_data(as_text=True)))
    before = counts()
    response = client.post("/intelligence/new", data=fields | changes)
    assert_answer(response, f"/intelligence/new {changes!r}")
    if response.status_code == 302:
        assert counts()[0] == before[0] + 1
    else:
        assert response.status_code in (200, 400)
        assert counts() == before
        if response.status_code == 200:
            assert "govuk-error-summary" in response.get_data(as_text=True)


PROVIDER_FIELDS = [*EDITABLE, "service_types"]
PROVIDER_VALUE = FORM_VALUE | st.sampled_from(
    ["nan", "inf", "-0", "1e400", "91", "51.4183", "1-123", "SW19 2HL", "\x00"]
)


@FUZZ
@given(
    changes=st.dictionaries(
        st.sampled_from(PROVIDER_FIELDS), PROVIDER_VALUE, min_size=1, max_size=5
    ),
    editing=st.booleans(),
)
def test_the_provider_forms_never_fail(
    client: FlaskClient, world: SimpleNamespace, changes: dict, editing: bool
) -> None:
    admin = factories.user(Role.ADMIN, world.member.agency)
    db.session.commit()
    sign_in_as(client, admin)
    path = f"/providers/{world.provider.id}/edit" if editing else "/providers/new"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    fields = {"name": "Birch House", "postcode": "SW19 2HL"} | changes | {"csrf_token": token}
    before = counts()
    response = client.post(path, data=fields)
    assert_answer(response, f"{path} {changes!r}")
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert counts() == before


@pytest.mark.parametrize(
    ("kind", "condition"),
    [
        ("null", lambda v: v is None),
        ("boolean", lambda v: isinstance(v, bool)),
        ("huge integer", lambda v: isinstance(v, int) and abs(v) > 2**63),
        ("float", lambda v: isinstance(v, float)),
        ("string", lambda v: isinstance(v, str)),
        ("huge string", lambda v: isinstance(v, str) and len(v) > 10_000),
        ("lone surrogate", lambda v: isinstance(v, str) and "\ud800" in v),
        ("list", lambda v: isinstance(v, list)),
        ("object", lambda v: isinstance(v, dict)),
    ],
)
def test_the_junk_for_a_posted_field_includes_every_kind_of_json(kind: str, condition: Any) -> None:
    """Wrong types, nulls, nesting, huge numbers and strings, bad Unicode: all generated."""
    found = find(FIELD_JUNK, condition, settings=settings(max_examples=5000, database=None))
    assert condition(found), kind


MEETING_FIELDS = ["held_on", "title", "location", "agencies"]
VALID_MEETING = {"held_on": "2026-12-17", "title": "December", "agencies": ["MPS", "CQC"]}


def meeting_count() -> int:
    """How many meetings the database holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) or 0


@FUZZ
@given(
    changes=st.dictionaries(st.sampled_from(MEETING_FIELDS), FIELD_JUNK, min_size=1, max_size=3),
    dropped=st.sets(st.sampled_from(MEETING_FIELDS), max_size=2),
    raw=st.none() | st.text(max_size=40),
)
def test_posting_any_meeting_never_fails_or_saves_a_bad_one(
    client: FlaskClient, world: SimpleNamespace, changes: dict, dropped: set, raw: str | None
) -> None:
    client.delete_cookie("session")  # the API signs in with the bearer token alone
    chair = factories.user(Role.CHAIR, factories.agency("CQC"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token_for(chair)}"}
    body = (
        raw
        if raw is not None
        else json.dumps(
            {k: v for k, v in (VALID_MEETING | changes).items() if k not in dropped}, allow_nan=True
        )
    )
    before = meeting_count()
    response = client.post(
        "/api/v1/meetings", data=body, headers=headers | {"Content-Type": "application/json"}
    )
    assert_answer(response, f"/api/v1/meetings {body[:300]!r}")
    if response.status_code == 201:
        assert meeting_count() == before + 1
    else:
        assert response.status_code in (400, 422), response.status_code
        assert meeting_count() == before


@FUZZ
@given(path_id=NUMBER_TEXT, version=NUMBER_TEXT, which=st.integers(min_value=0, max_value=4))
def test_meeting_api_reads_never_fail(
    client: FlaskClient, world: SimpleNamespace, path_id: str, version: str, which: int
) -> None:
    meeting_id, number = quote(path_id, safe=""), quote(version, safe="")
    method, path = [
        ("GET", "/api/v1/meetings"),
        ("GET", f"/api/v1/meetings/{meeting_id}"),
        ("GET", f"/api/v1/meetings/{meeting_id}/packs/{number}.pdf"),
        ("POST", f"/api/v1/meetings/{meeting_id}/packs"),
        ("GET", f"/api/v1/jobs/{meeting_id}"),  # a job's id: anything but the caller's is 404
    ][which]
    response = client.open(path, method=method, headers=world.headers)
    assert_answer(response, f"{method} {path}")
    assert response.status_code in (200, 403, 404, 405), response.status_code
