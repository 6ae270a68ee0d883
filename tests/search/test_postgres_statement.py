"""The PostgreSQL engine answers a search with one statement and leaves no settings behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import IntelligenceItem, Marking, Role
from portal.policy import readable_items_clause
from portal.search.interface import SearchFilters
from portal.search.postgres_engine import SEARCH_SETTINGS, _Compiler, _search_settings, _up_to_cap
from portal.search.postgres_plan import matching
from portal.search.query import parse_query
from portal.search.services import run_search
from tests import factories

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def settings() -> dict[str, str]:
    return {name: db.session.scalar(sa.text(f"SHOW {name}")) for name in SEARCH_SETTINGS}


@pytest.fixture
def member(app):
    agency = factories.agency("MPS")
    user = factories.user(Role.MEMBER, agency)
    for n in range(3):
        factories.item(user, Marking.GREEN, body=f"Wombat number {n} by the door.")
    db.session.commit()
    return user


@pytest.mark.parametrize("text", ["wombat", "wombat door", '"by the door"', "wom*", ""])
def test_one_statement_finds_ranks_counts_and_facets(member, count_queries, text):
    run_search(member, text, SearchFilters())  # warm the engine and the user
    with count_queries() as statements:
        results = run_search(member, text, SearchFilters())
    assert results.total == 3
    searching = [s for s in statements if "matched" in s]
    assert len(searching) == 1, searching


def test_the_search_settings_do_not_outlive_the_search(member):
    db.session.execute(sa.text("SELECT 1"))  # inside a transaction, as a request is
    before = settings()
    assert before["jit"] != "off" or before["work_mem"] != SEARCH_SETTINGS["work_mem"]
    results = run_search(member, "wombat", SearchFilters())
    assert results.total == 3
    assert settings() == before


def test_the_search_is_planned_for_its_own_words_every_time(member):
    """psycopg prepares a statement run five times, and PostgreSQL may then keep one
    generic plan for every word: planned without knowing the word, a common word took
    250 ms instead of 50 at national scale. The search asks for a plan of its own."""
    with _search_settings():
        assert db.session.scalar(sa.text("SHOW plan_cache_mode")) == "force_custom_plan"


def _found(user, text):
    results = run_search(user, text, SearchFilters())
    return results.total, [(hit.type, hit.id) for hit in results.hits]


@pytest.mark.parametrize("text", ["wombat", '"by the door"', "wom* -number", "theme:staffing"])
def test_the_policy_first_and_the_index_first_find_the_same(member, text):
    """Where PostgreSQL would read the whole table, the policy is tested before the words
    (a CASE); where it would use the text index, the words stay a plain condition. Both
    orders give the same answer."""
    outsider = factories.user(Role.MEMBER, factories.agency("HARROW"))
    factories.item(member, Marking.AMBER_STRICT, body="Wombat by the door, not for Harrow.")
    db.session.commit()
    answers = {}
    for seqscan in ("on", "off"):
        db.session.execute(sa.text(f"SET LOCAL enable_seqscan = {seqscan}"))
        permitted = readable_items_clause(outsider)
        words = _Compiler("items").condition(parse_query(text).tree)
        shown = str(matching(permitted, words).condition.compile(db.engine))
        assert ("CASE WHEN" in shown) is (seqscan == "on"), shown
        answers[seqscan] = (_found(outsider, text), _found(member, text))
    assert answers["on"] == answers["off"]
    assert answers["on"][0] != answers["on"][1]  # the AMBER+STRICT item is the member's alone


def test_counting_stops_early_only_when_many_more_matches_than_the_cap_are_expected(app):
    tree = parse_query("wombat").tree
    plain = sa.select(IntelligenceItem.id)
    assert _up_to_cap(plain, tree, 10_001, expected=15_000) is plain
    capped = _up_to_cap(plain, tree, 10_001, expected=30_000)
    assert capped._limit == 10_001
    # Phrases and searches without words are never cut short, whatever is expected.
    for text in ['"by the door"', "theme:falls"]:
        assert _up_to_cap(plain, parse_query(text).tree, 10_001, expected=1e6) is plain
