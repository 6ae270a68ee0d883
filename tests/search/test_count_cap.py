"""Counting stops at a cap (`search_count_cap`): "more than N results", on both engines.

The cap is set small here (3, pages of 2); in production it is 10,000. Up to the cap
every figure is exact; beyond it the total says so, and the facets say whether they
are lower bounds (PostgreSQL counts the newest matches up to the cap; Whoosh, which
finds every match anyway, keeps exact facets).
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import Marking, Role
from portal.search.interface import SearchFilters
from portal.search.services import run_search
from tests import factories
from tests.conftest import api_token_for

CAP = 3


@pytest.fixture
def capped(app):
    """The app with a cap of 3 and pages of 2 results."""
    app.config["PORTAL"]["search_count_cap"] = CAP
    app.config["PORTAL"]["page_size"] = 2
    return app


def pangolins(count, author, marking=Marking.GREEN, themes=("staffing",)):
    """`count` items about a pangolin, observed on different days."""
    return [
        factories.item(
            author,
            marking,
            title=f"Pangolin report {n}",
            body="A pangolin was seen in the lounge at night.",
            themes=list(themes),
            observed_on=date(2026, 9, 1 + n),
        )
        for n in range(count)
    ]


def test_more_matches_than_the_cap_read_as_more_than_the_cap(capped):
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    pangolins(6, member)
    db.session.commit()
    found = run_search(member, "pangolin", SearchFilters(), per_page=2)
    assert (found.total, found.total_capped) == (CAP, True)
    assert len(found.hits) == 2
    # Facet counts never exceed what is there; exact unless the engine says otherwise.
    staffing = {v: n for v, _, n in found.facets["theme"]}["staffing"]
    assert staffing == 6 if not found.facets_capped else CAP <= staffing <= 6


def test_up_to_the_cap_the_total_and_facets_are_exact(capped):
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    pangolins(3, member)
    db.session.commit()
    found = run_search(member, "pangolin", SearchFilters(), per_page=2)
    assert (found.total, found.total_capped, found.facets_capped) == (3, False, False)
    assert {v: n for v, _, n in found.facets["theme"]} == {"staffing": 3}


def test_the_cap_counts_only_what_the_reader_may_read(capped):
    police = factories.user(Role.MEMBER, factories.agency("MPS"))
    viewer = factories.user(Role.VIEWER, factories.agency("MERTON"))
    pangolins(5, police, Marking.AMBER_STRICT)
    pangolins(2, police, Marking.GREEN)
    db.session.commit()
    found = run_search(viewer, "pangolin", SearchFilters(), per_page=2)
    assert (found.total, found.total_capped) == (2, False)
    assert sum(n for _, _, n in found.facets["marking"]) == 2


def test_pages_through_a_capped_search_are_stable_and_do_not_repeat(capped):
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    pangolins(7, member)
    db.session.commit()

    def page(n):
        return [(h.type, h.id) for h in run_search(member, "pangolin", SearchFilters(), n, 2).hits]

    first, second = page(1), page(2)
    assert len(first) == len(second) == 2
    assert not set(first) & set(second)
    assert page(1) == first and page(2) == second


def test_a_page_beyond_the_cap_is_still_served(capped):
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    pangolins(7, member)
    db.session.commit()
    # Page 3 of 2 reaches past the cap of 3: the engine looks that far.
    found = run_search(member, "pangolin", SearchFilters(), page=3, per_page=2)
    assert len(found.hits) == 2
    assert found.total_capped and found.total >= 6


def test_the_page_and_the_api_say_more_than_the_cap(capped, client, login_as, backend):
    member = login_as(Role.MEMBER)
    pangolins(6, member)
    db.session.commit()
    page = client.get("/search?q=pangolin").get_data(as_text=True)
    assert "More than 3 results" in page
    answer = client.get(
        "/api/v1/search",
        query_string={"q": "pangolin"},
        headers={"Authorization": f"Bearer {api_token_for(member)}"},
    ).get_json()
    assert (answer["total"], answer["total_capped"]) == (3, True)
    # PostgreSQL counted the facets over the newest matches only, and the page says so;
    # Whoosh's are exact.
    assert ('id="facets-capped"' in page) == answer["facets_capped"]
    assert answer["facets_capped"] == (backend == "postgresql")


def test_below_the_cap_the_page_gives_the_exact_count(capped, client, login_as):
    member = login_as(Role.MEMBER)
    pangolins(2, member)
    db.session.commit()
    page = client.get("/search?q=pangolin").get_data(as_text=True)
    assert "2 results" in page and "More than" not in page
