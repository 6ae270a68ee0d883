"""The provider pages and API calls cost the same number of queries whatever the data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import ConcernStage, Marking, Role
from tests import factories
from tests.conftest import api_token_for
from tests.providers.conftest import embargo, named_provider, open_concern

# The provider page: its record, ratings, risk, readable items, concern and embargo panels,
# care monitoring measures and contract visits; the same count however much data there is.
# One more checks that a signed-in session has not been signed out (sign_in_sessions).
MAX_QUERIES = 18


def build(providers: int, items: int, chair):
    """A register of `providers` providers (rated, typed, some with concerns) and `items` items."""
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    made = [
        named_provider(
            f"Care Home {n}",
            ratings={"overall": "Good", "safe": "Requires improvement"},
            service_types=["care-home", "domiciliary"],
            postcode=f"SW19 {n % 9}AB",
            postcode_district="SW19",
        )
        for n in range(providers)
    ]
    for n, provider in enumerate(made):
        if n % 3 == 0:
            open_concern(provider, chair, stages=[ConcernStage.INITIATE])
        if n % 3 == 1:
            embargo(provider, chair, clock.today() - timedelta(days=1), boroughs=["Sutton"])
    markings = list(Marking)
    for n in range(items):
        # Every item on the first provider (its page) and spread across the rest (the list).
        target = made[0] if n % 2 == 0 else made[n % providers]
        factories.item(
            officer,
            markings[n % len(markings)],
            target,
            themes=["staffing", "falls"],
            observed_on=clock.today() - timedelta(days=n),
        )
    db.session.commit()
    return made[0]


def queries_for(client, count_queries, url: str, headers=None) -> int:
    client.get(url, headers=headers)  # warm up: first-request work is not the page's cost
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    # On PostgreSQL a test's commits are savepoints: the harness's statements, not the page's
    # (the warm-up's first use of an API token is written, and the next call opens a savepoint).
    return len([s for s in statements if not s.lstrip().upper().startswith("SAVEPOINT")])


URLS = [
    "/providers",
    "/providers?q=care+home",
    "/providers?q=SW19&open_concern=y",
    "/providers/{id}",
    "/api/v1/providers",
    "/api/v1/providers?postcode=SW19+2AB",
    "/api/v1/providers/{id}",
]


@pytest.mark.parametrize("url", URLS)
def test_a_page_costs_the_same_queries_with_ten_times_the_data(
    app, client, login_as, count_queries, chair, url
):
    user = login_as(Role.CHAIR)
    headers = {"Authorization": f"Bearer {api_token_for(user)}"} if "/api/" in url else None
    small = build(3, 5, chair)
    few = queries_for(client, count_queries, url.format(id=small.id), headers)
    large = build(30, 60, chair)
    many = queries_for(client, count_queries, url.format(id=large.id), headers)
    assert few == many
    assert many <= MAX_QUERIES
