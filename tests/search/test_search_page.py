"""The search page and GET /api/v1/search: ranked hits, escaped snippets, facets, messages."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import AuditEvent, KeyQuestion, Marking, Role
from tests import factories
from tests.conftest import api_token_for

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def corpus(app):
    council = factories.agency("MERTON")
    police = factories.agency("MPS")
    officer = factories.user(Role.MEMBER, police)
    monitor = factories.user(Role.MEMBER, council)
    cedar = factories.provider(name="Cedar Lodge Care Home", postcode="SW19 2HL")
    rowans = factories.provider(name="The Rowans", postcode="HA1 1AA")
    factories.item(
        monitor,
        Marking.GREEN,
        cedar,
        title="Falls at night",
        body="Three unwitnessed falls at night; the falls log was not kept.",
        themes=["falls"],
        key_question=KeyQuestion.SAFE,
        observed_on=date(2026, 10, 2),
    )
    factories.item(
        officer,
        Marking.AMBER,
        rowans,
        title="Medication errors",
        body="Officers were told medication was missed for two residents.",
        themes=["medication"],
        key_question=KeyQuestion.SAFE,
        observed_on=date(2026, 9, 5),
    )
    factories.item(
        monitor,
        Marking.GREEN,
        rowans,
        title=f"Hostile {HOSTILE}",
        body=f"Relative wrote {HOSTILE} in the complaint about staffing.",
        themes=["complaints"],
        key_question=KeyQuestion.RESPONSIVE,
        observed_on=date(2026, 8, 1),
    )
    db.session.commit()
    return {"cedar": cedar, "rowans": rowans}


def test_the_search_page_shows_ranked_highlighted_hits_and_facets(client, login_as, corpus):
    login_as(Role.MEMBER)
    page = client.get("/search?q=falls").get_data(as_text=True)
    assert "1 result" in page
    assert "Falls at night" in page
    assert "<mark>falls</mark>" in page
    assert "Narrow your search" in page
    assert "Safe" in page


def test_hostile_text_is_shown_as_text_in_results_and_snippets(client, login_as, corpus):
    login_as(Role.MEMBER)
    page = client.get("/search?q=complaint").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page
    body = client.get(
        "/api/v1/search?q=complaint",
        headers={"Authorization": f"Bearer {api_token_for(login_as(Role.MEMBER))}"},
    ).get_json()
    snippet = body["hits"][0]["snippet"]
    assert "<script>" not in snippet and "<img" not in snippet
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet
    assert "<mark>complaint</mark>" in snippet


def test_an_unreadable_query_is_searched_as_words_with_a_message_not_an_error(
    client, login_as, corpus
):
    login_as(Role.MEMBER)
    response = client.get('/search?q=(falls AND "night')
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "searched as plain words: falls night" in page
    assert "Falls at night" in page


def test_a_bad_filter_gets_a_clear_message(client, login_as, corpus):
    login_as(Role.MEMBER)
    page = client.get("/search?q=falls&from=yesterday&marking=PURPLE").get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter the start date as YYYY-MM-DD" in page
    assert "Marking must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED" in page


def test_filters_and_facet_links_narrow_the_results(client, login_as, corpus):
    login_as(Role.CHAIR)
    page = client.get("/search?q=residents OR falls OR staffing&key_question=responsive").get_data(
        as_text=True
    )
    assert "Hostile" in page and "Falls at night" not in page
    page = client.get("/search?q=residents OR falls&from=2026-10-01&to=2026-10-31").get_data(
        as_text=True
    )
    assert "Falls at night" in page and "Medication errors" not in page


def test_providers_are_found_by_name_in_the_same_search(client, login_as, corpus):
    login_as(Role.VIEWER)
    page = client.get("/search?q=cedar").get_data(as_text=True)
    assert "Cedar Lodge Care Home" in page
    assert "Provider" in page


def test_a_search_is_an_audit_event(client, login_as, corpus):
    user = login_as(Role.MEMBER)
    client.get("/search?q=falls&theme=falls")
    event = db.session.query(AuditEvent).filter_by(action="search").one()
    assert event.user_id == user.id
    assert event.data["query"] == "falls"
    assert event.data["filters"] == {"theme": "falls"}
    assert event.data["total"] == 1


def test_the_api_answers_as_the_contract_says(client, login_as, corpus):
    token = api_token_for(login_as(Role.MEMBER))
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/search?q=medication", headers=headers).get_json()
    assert set(body) >= {"total", "hits", "providers", "facets", "message"}
    assert body["total"] == 1
    assert body["providers"] == []  # no postcode, name or CQC ID in the query
    hit = body["hits"][0]
    assert set(hit) == {"type", "id", "title", "snippet", "score", "provider_id"}
    assert hit["type"] == "intelligence" and hit["title"] == "Medication errors"
    assert hit["provider_id"] == corpus["rowans"].id
    assert body["facets"]["marking"] == {"AMBER": 1}
    assert body["message"] is None
    fallback = client.get('/api/v1/search?q="medication', headers=headers).get_json()
    assert "plain words" in fallback["message"]


def test_a_viewer_cannot_find_another_agencys_amber_item_through_the_api(client, login_as, corpus):
    token = api_token_for(login_as(Role.VIEWER, "HWMERTON"))
    body = client.get(
        "/api/v1/search?q=medication", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert body["total"] == 0 and body["hits"] == [] and body["facets"]["marking"] == {}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=x", "page"),
        ("from=2026-13-01", "from"),
        ("theme=unicorns", "theme"),
        ("agency=NOPE", "agency"),
        ("key_question=happy", "key_question"),
    ],
)
def test_bad_api_input_is_422_with_the_field_named(client, login_as, corpus, query, field):
    token = api_token_for(login_as(Role.MEMBER))
    response = client.get(
        f"/api/v1/search?q=falls&{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_search_pages_cost_the_same_queries_whatever_the_number_of_hits(
    client, login_as, corpus, count_queries
):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    login_as(Role.CHAIR)
    client.get("/search?q=falls")  # build the index first
    with count_queries() as few:
        client.get("/search?q=falls")
    for n in range(30):
        factories.item(author, Marking.GREEN, corpus["cedar"], body=f"Another falls note {n}.")
    db.session.commit()
    client.get("/search?q=falls")  # index the new items
    with count_queries() as many:
        client.get("/search?q=falls")
    assert len(few) == len(many)


def test_pages_split_the_ranked_hits_without_gaps_or_repeats(client, login_as, corpus):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    for n in range(40):
        # One to four mentions, so scores differ and some tie.
        factories.item(
            author,
            Marking.GREEN,
            corpus["cedar"],
            body=" ".join(["kestrel"] * (1 + n % 4)) + f" seen on visit {n}.",
            observed_on=date(2026, 1, 1 + n % 28),
        )
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token_for(login_as(Role.MEMBER))}"}
    for query in ("kestrel", ""):
        pages = [
            client.get(
                "/api/v1/search", query_string={"q": query, "page": n}, headers=headers
            ).get_json()
            for n in (1, 2, 3)
        ]
        expected = 40 if query else 43
        assert {p["total"] for p in pages} == {expected}
        ids = [(h["type"], h["id"]) for p in pages for h in p["hits"]]
        assert len(ids) == len(set(ids)) == expected, query
        assert len(pages[0]["hits"]) > len(pages[2]["hits"])
        if query:
            scores = [h["score"] for p in pages for h in p["hits"]]
            assert scores == sorted(scores, reverse=True)
    beyond = client.get("/api/v1/search?q=kestrel&page=9", headers=headers).get_json()
    assert beyond["total"] == 40 and beyond["hits"] == []
