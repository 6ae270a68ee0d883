"""The PostgreSQL engine answers a search with one statement and leaves no settings behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Marking, Role
from portal.search.interface import SearchFilters
from portal.search.postgres_engine import SEARCH_SETTINGS
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
