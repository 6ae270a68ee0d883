"""One search box for places and providers: a postcode in any form, a provider's name or CQC ID.

Each case runs on both engines (SQLite with Whoosh, PostgreSQL with its own full-text search),
through the search page and GET /api/v1/search, for a council member and a police member, who
may read different items: each must see only its own counts and items.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import clock
from portal.extensions import db
from portal.models import KeyQuestion, Marking, Role
from portal.providers.names import name_key
from tests import factories
from tests.conftest import api_token_for

TODAY = date(2026, 12, 1)


def _provider(name: str, postcode: str, lat: float, lon: float, cqc: str) -> object:
    return factories.provider(
        name=name,
        name_key=name_key(name),
        postcode=postcode,
        latitude=lat,
        longitude=lon,
        cqc_location_id=cqc,
    )


@pytest.fixture
def area(app) -> SimpleNamespace:
    """Three providers in SW19 (one at SW19 4GP), one in Harrow; items of several markings."""
    council = factories.agency("MERTON")
    police = factories.agency("MPS")
    monitor = factories.user(Role.MEMBER, council)
    colleague = factories.user(Role.MEMBER, council)
    officer = factories.user(Role.MEMBER, police)
    # A Healthwatch volunteer: CLEAR and GREEN only (AMBER is for its own agency's items).
    viewer = factories.user(Role.VIEWER, factories.agency("HWMERTON"))
    catherines = _provider("St Catherine's Care Home", "SW19 4GP", 51.4214, -0.2064, "1-500000001")
    cedar = _provider("Cedar Lodge", "SW19 2HL", 51.4150, -0.1900, "1-500000002")
    rowans = _provider("The Rowans", "SW19 8AB", 51.4400, -0.2300, "1-500000003")
    harrow = _provider("Harrow View House", "HA1 1AA", 51.5800, -0.3400, "1-500000004")

    def item(author, marking, provider, title, days_ago, theme, **fields):
        return factories.item(
            author,
            marking,
            provider,
            title=title,
            body=f"{title}. Noted during a visit to the home.",
            themes=[theme],
            key_question=KeyQuestion.SAFE,
            observed_on=TODAY - timedelta(days=days_ago),
            likelihood=fields.pop("likelihood", 2),
            impact=fields.pop("impact", 2),
            **fields,
        )

    item(monitor, Marking.GREEN, catherines, "Falls in the garden", 40, "falls")
    # AMBER+STRICT: the council's own; the police member may not read it, nor count it.
    item(
        colleague,
        Marking.AMBER_STRICT,
        catherines,
        "Medication audit",
        10,
        "medication",
        likelihood=5,
        impact=4,
    )
    # RED: its author alone (and no recipients): neither member reads it.
    item(colleague, Marking.RED, catherines, "Named allegation", 5, "safeguarding")
    item(officer, Marking.GREEN, cedar, "Falls reported by officers", 60, "falls")
    item(monitor, Marking.AMBER, cedar, "Staffing at night", 20, "staffing", likelihood=3)
    item(monitor, Marking.GREEN, harrow, "Falls elsewhere", 30, "falls")
    db.session.commit()
    return SimpleNamespace(
        monitor=monitor,
        officer=officer,
        viewer=viewer,
        catherines=catherines,
        cedar=cedar,
        rowans=rowans,
        harrow=harrow,
    )


def _api(client, user, **args) -> object:
    with clock.fixed_today(TODAY):
        return client.get(
            "/api/v1/search",
            query_string=args,
            headers={"Authorization": f"Bearer {api_token_for(user)}"},
        )


SW19 = ["St Catherine's Care Home", "Cedar Lodge", "The Rowans"]
#: What each reader may read of the items (never the RED "Named allegation").
READABLE = {
    "monitor": {
        "Medication audit",
        "Staffing at night",
        "Falls in the garden",
        "Falls reported by officers",
        "Falls elsewhere",
    },
    # Not the council's AMBER+STRICT item.
    "officer": {
        "Staffing at night",
        "Falls in the garden",
        "Falls reported by officers",
        "Falls elsewhere",
    },
    # GREEN only.
    "viewer": {"Falls in the garden", "Falls reported by officers", "Falls elsewhere"},
}
#: Per reader, how many items about each provider the list must show beside it.
COUNTS = {
    "monitor": {"St Catherine's Care Home": 2, "Cedar Lodge": 2, "The Rowans": 0},
    "officer": {"St Catherine's Care Home": 1, "Cedar Lodge": 2, "The Rowans": 0},
    "viewer": {"St Catherine's Care Home": 1, "Cedar Lodge": 1, "The Rowans": 0},
}
AT_CATHERINES = ["Medication audit", "Falls in the garden"]
IN_SW19 = [
    "Medication audit",
    "Staffing at night",
    "Falls in the garden",
    "Falls reported by officers",
]
AT_CEDAR = ["Staffing at night", "Falls reported by officers"]
CASES = [
    # (query, providers in order, items newest first as a reader who may read them all sees them)
    ("sw194gp", SW19, AT_CATHERINES),
    ("SW19 4GP", SW19, AT_CATHERINES),
    ("  sw19   4gp ", SW19, AT_CATHERINES),
    ("sw19 4", ["St Catherine's Care Home"], AT_CATHERINES),
    (" SW19", SW19, IN_SW19),
    ("sw19", SW19, IN_SW19),
    ("falls SW19", SW19, ["Falls in the garden", "Falls reported by officers"]),
    ("SW19 falls", SW19, ["Falls in the garden", "Falls reported by officers"]),
    ("st catherines", ["St Catherine's Care Home"], AT_CATHERINES),
    ("Saint Catherine's", ["St Catherine's Care Home"], AT_CATHERINES),
    ("ST. CATHERINES", ["St Catherine's Care Home"], AT_CATHERINES),
    ("st catherins care home", ["St Catherine's Care Home"], AT_CATHERINES),
    ("medication st catherines", ["St Catherine's Care Home"], ["Medication audit"]),
    ("cedar lodge sw19", ["Cedar Lodge"], AT_CEDAR),
    ("1-500000002", ["Cedar Lodge"], AT_CEDAR),
    ("cedar lodge staffing", ["Cedar Lodge"], ["Staffing at night"]),
    ("rowans", ["The Rowans"], []),
]


@pytest.mark.parametrize(("query", "providers", "items"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("reader", ["monitor", "officer", "viewer"])
def test_a_place_or_name_lists_its_providers_then_their_readable_items_newest_first(
    client, area, query, providers, items, reader
):
    user = getattr(area, reader)
    readable = [title for title in items if title in READABLE[reader]]
    answer = _api(client, user, q=query)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert [p["name"] for p in body["providers"]] == providers
    assert [h["title"] for h in body["hits"]] == readable
    assert body["total"] == len(readable)
    assert {h["type"] for h in body["hits"]} <= {"intelligence"}
    titles_to_provider = {
        "Falls in the garden": area.catherines.id,
        "Medication audit": area.catherines.id,
        "Falls reported by officers": area.cedar.id,
        "Staffing at night": area.cedar.id,
    }
    assert all(h["provider_id"] == titles_to_provider[h["title"]] for h in body["hits"])
    # The counts beside each provider are the reader's own, never the whole record's.
    assert {p["name"]: p["items"] for p in body["providers"]} == {
        name: COUNTS[reader][name] for name in providers
    }
    # The page shows the same providers first, then the same items.
    with clock.fixed_today(TODAY):
        _sign_in(client, user)
        page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    positions = [page.index(name.replace("'", "&#39;")) for name in providers]
    assert positions == sorted(positions)
    hits = page[page.index('id="results-heading"') :]
    shown = [title for title in READABLE["monitor"] if title in hits]
    assert sorted(shown, key=hits.index) == readable
    assert "Named allegation" not in page


def _sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def test_a_postcode_lists_providers_nearest_first_with_distances_to_one_decimal(client, area):
    body = _api(client, area.officer, q="sw194gp").get_json()
    distances = [p["distance_km"] for p in body["providers"]]
    assert distances[0] == 0.0
    assert distances == sorted(distances)
    assert all(d is not None and round(d, 1) == d for d in distances)
    assert [p["postcode"] for p in body["providers"]] == ["SW19 4GP", "SW19 2HL", "SW19 8AB"]


def test_the_risk_shown_is_computed_from_what_the_reader_may_read(client, area):
    monitor = _api(client, area.monitor, q="st catherines").get_json()["providers"][0]
    officer = _api(client, area.officer, q="st catherines").get_json()["providers"][0]
    # The council's AMBER+STRICT item scores 20 (extreme); the police member reads only a 4.
    assert monitor["current_risk"] == {"score": 20, "band": "extreme"}
    assert officer["current_risk"] == {"score": 4, "band": "moderate"}
    with clock.fixed_today(TODAY):
        _sign_in(client, area.officer)
        page = client.get("/search?q=st+catherines").get_data(as_text=True)
    assert "Extreme" not in page and "Medication audit" not in page


def test_a_name_finds_the_providers_intelligence_without_the_provider_field(client, area):
    body = _api(client, area.officer, q="The Rowans").get_json()
    assert [p["name"] for p in body["providers"]] == ["The Rowans"]
    assert body["providers"][0]["distance_km"] is None
    assert body["hits"] == [] and body["total"] == 0


def test_other_queries_work_as_before(client, area):
    body = _api(client, area.officer, q="falls").get_json()
    assert body["providers"] == []
    assert {h["title"] for h in body["hits"]} == {
        "Falls in the garden",
        "Falls reported by officers",
        "Falls elsewhere",
    }
    # The query language's own syntax is never read as a place or a name.
    quoted = _api(client, area.officer, q='"st catherines"').get_json()
    assert quoted["providers"] == []


def test_filters_and_facets_apply_to_a_places_items(client, area):
    body = _api(client, area.monitor, q="SW19", theme="falls").get_json()
    assert [h["title"] for h in body["hits"]] == [
        "Falls in the garden",
        "Falls reported by officers",
    ]
    facets = _api(client, area.monitor, q="SW19").get_json()["facets"]
    assert facets["theme"] == {"medication": 1, "staffing": 1, "falls": 2}


def test_the_page_offers_the_plain_words_search_instead(client, area):
    with clock.fixed_today(TODAY):
        _sign_in(client, area.officer)
        page = client.get("/search?q=falls+SW19").get_data(as_text=True)
    assert "Providers in and near SW19, nearest first" in page
    assert "falls AND SW19" in page
    assert 'Items<span class="govuk-visually-hidden"> you may read</span>' in page


# --- limits that answer ------------------------------------------------------------------


LONG = "a" * 1001
MANY = " ".join(f"word{n}" for n in range(65))
EMOJI = " ".join(["👩\u200d👩\u200d👧\u200d👦"] * 1239)


@pytest.mark.parametrize(
    ("query", "says"),
    [(LONG, "1,001 characters"), (MANY, "65 terms"), (EMOJI, "characters")],
    ids=["1001-characters", "65-terms", "1239-emoji"],
)
def test_an_over_long_query_is_refused_with_a_message(client, login_as, query, says):
    user = login_as(Role.MEMBER)
    answer = _api(client, user, q=query)
    assert answer.status_code == 422
    assert says in answer.get_json()["errors"]["q"]
    page = client.get("/search", query_string={"q": query})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "There is a problem" in html and says in html


def test_a_query_at_the_limits_is_searched(client, login_as, area):
    user = login_as(Role.MEMBER)
    assert _api(client, user, q="a" * 1000).status_code == 200
    assert _api(client, user, q=" ".join(["falls"] * 64)).status_code == 200
    emoji = " ".join(["👩\u200d👩\u200d👧\u200d👦"] * 64)
    assert _api(client, user, q=emoji).status_code == 200
    assert client.get("/search", query_string={"q": emoji}).status_code == 200


# --- never a 500, whatever is typed ------------------------------------------------------

PLACE_WORDS = st.sampled_from(
    [
        "sw19",
        "SW19",
        "4GP",
        "sw194gp",
        "SW19 4",
        "4",
        "st",
        "saint",
        "catherines",
        "Catherine's",
        "1-500000001",
        "1-",
        "GIR",
        "0AA",
        "BFPO",
        "E1",
        "B12",
        "SW",
        "falls",
        "AND",
        "OR",
        "NOT",
        "(",
        ")",
        '"',
        "*",
        "-",
        ":",
        "provider:",
        "\u00a0",
        "ß",
        "ﬁ",
        "👩\u200d👩\u200d👧\u200d👦",
        "%",
        "_",
        "\\",
        "'",
    ]
)
PLACE_QUERIES = st.lists(PLACE_WORDS | st.text(max_size=12), max_size=16).map(" ".join) | st.text(
    max_size=300
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(query=PLACE_QUERIES)
def test_the_search_page_and_api_never_fail_on_any_text(client, area, query):
    answer = _api(client, area.officer, q=query)
    assert answer.status_code in (200, 422), (query, answer.status_code)
    if answer.status_code == 422:
        assert answer.get_json()["errors"]
    else:
        body = answer.get_json()
        assert isinstance(body["providers"], list) and isinstance(body["hits"], list)
    with clock.fixed_today(TODAY):
        _sign_in(client, area.officer)
        page = client.get("/search", query_string={"q": query})
    assert page.status_code in (200, 400), (query, page.status_code)


@pytest.mark.parametrize(
    ("query", "providers_args"),
    [
        ("sw194gp", {"postcode": "SW19 4GP"}),
        ("SW19", {"postcode": "sw19"}),
        ("sw19 4", {"postcode": "SW19 4"}),
        ("st catherines", {"q": "Saint Catherines"}),
        ("1-500000003", {"q": "1-500000003"}),
    ],
)
def test_the_search_and_the_providers_list_share_one_resolver(client, area, query, providers_args):
    searched = _api(client, area.officer, q=query).get_json()["providers"]
    with clock.fixed_today(TODAY):
        listed = client.get(
            "/api/v1/providers",
            query_string=providers_args,
            headers={"Authorization": f"Bearer {api_token_for(area.officer)}"},
        ).get_json()["items"]
    assert [p["id"] for p in searched] == [p["id"] for p in listed]
    if "postcode" in providers_args:
        assert [p["distance_km"] for p in searched] == [p["distance_km"] for p in listed]
