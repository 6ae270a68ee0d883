"""Only what a user may read feeds the dashboard, and it costs a fixed number of queries."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal import clock
from portal.extensions import db
from portal.models import (
    Action,
    ConcernStage,
    Embargo,
    KeyQuestion,
    Marking,
    Meeting,
    ProviderConcern,
    ProviderConcernStage,
    Role,
)
from tests import factories

TODAY = date(2026, 11, 23)
# One of them checks that the signed-in session has not been signed out (sign_in_sessions).
QUERY_LIMIT = 17


@pytest.fixture(autouse=True)
def fixed_today():
    with clock.fixed_today(TODAY):
        yield


@pytest.fixture
def officer(app):
    """A police officer who has shared some GREEN and AMBER intelligence."""
    author = factories.user(Role.MEMBER, factories.agency("MPS"))
    for n, (marking, observed) in enumerate(
        [
            (Marking.GREEN, date(2026, 11, 2)),
            (Marking.AMBER, date(2026, 10, 12)),
            (Marking.GREEN, date(2026, 6, 5)),
        ]
    ):
        factories.item(
            author,
            marking,
            factories.provider(name=f"Home {n}", local_authority="Merton"),
            likelihood=2 + n,
            impact=3,
            observed_on=observed,
        )
    db.session.commit()
    return author


def add_restricted(author, markings):
    """Items the police hold close, with the highest scores, on old and new providers."""
    homes = [factories.provider(name="Home 0"), factories.provider(name="Secret Lodge")]
    for provider in homes:
        for marking in markings:
            for observed in (date(2026, 11, 20), date(2026, 8, 30), date(2026, 3, 1)):
                factories.item(
                    author,
                    marking,
                    provider,
                    likelihood=5,
                    impact=5,
                    observed_on=observed,
                    key_question=KeyQuestion.WELL_LED,
                    title=f"Restricted {marking.value}",
                )
    db.session.commit()


def dashboard(client, query: str = "") -> str:
    """The page as text, without the per-request CSRF token of the sign-out form."""
    page = client.get(f"/{query}").get_data(as_text=True)
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


QUERIES = ["", "?period=12", "?local_authority=Merton&period=1"]


@pytest.mark.parametrize(
    ("role", "agency", "markings"),
    [
        (Role.MEMBER, "MERTON", [Marking.RED, Marking.AMBER_STRICT]),
        (Role.VIEWER, "HWMERTON", [Marking.RED, Marking.AMBER_STRICT, Marking.AMBER]),
        (Role.CHAIR, "HARROW", [Marking.RED]),
    ],
)
def test_items_outside_a_users_audience_change_nothing_on_their_dashboard(
    client, login_as, officer, role, agency, markings
):
    login_as(role, agency)
    before = [dashboard(client, query) for query in QUERIES]
    add_restricted(officer, markings)
    after = [dashboard(client, query) for query in QUERIES]
    for query, old, new in zip(QUERIES, before, after, strict=True):
        assert new == old, f"the dashboard changed at /{query}"
    assert "Restricted" not in "".join(after)


def test_the_same_items_change_the_dashboard_of_someone_who_may_read_them(
    client, login_as, officer
):
    # Proves the comparison above can see a difference: a police member reads the STRICT items.
    login_as(Role.MEMBER, "MPS")
    before = dashboard(client)
    add_restricted(officer, [Marking.AMBER_STRICT])
    after = dashboard(client)
    assert after != before
    assert "Secret Lodge" in after and "Restricted AMBER+STRICT" in after


def add_everything(n: int, author, chair) -> None:
    """n providers, each with items of every marking, an action, a concern and an embargo."""
    meeting = Meeting(held_on=date(2026, 10, 14), title="October", chair=chair)
    db.session.add(meeting)
    for i in range(n):
        provider = factories.provider(local_authority=f"Borough {i % 3}")
        for marking in Marking:
            factories.item(
                author,
                marking,
                provider,
                recipients=[chair],
                likelihood=1 + i % 5,
                observed_on=date(2026, 11 - i % 11, 1 + i % 20),
            )
        concern = ProviderConcern(provider=provider, summary="Concern", opened_by=chair)
        db.session.add(concern)
        db.session.add(
            ProviderConcernStage(
                concern=concern,
                stage=ConcernStage.INITIATE,
                occurred_on=date(2026, 10, 1),
                recorded_by_id=chair.id,
            )
        )
        db.session.add(
            Embargo(
                provider=provider,
                starts_on=date(2026, 10, 1),
                reason="Placements stopped",
                created_by_id=chair.id,
            )
        )
        db.session.add(
            Action(
                meeting=meeting,
                provider=provider,
                description="Follow up",
                owner_agency_id=chair.agency_id,
                due_on=date(2026, 11, 1 + i % 28),
                created_by_id=chair.id,
            )
        )
    db.session.commit()


@pytest.mark.parametrize("role", [Role.CHAIR, Role.MEMBER, Role.VIEWER])
def test_the_dashboard_costs_the_same_queries_whatever_the_data(
    client, login_as, count_queries, role
):
    author = factories.user(Role.MEMBER, factories.agency("MPS"))
    user = login_as(role)
    chair = user if role is Role.CHAIR else factories.user(Role.CHAIR)
    # Every section has rows at both sizes (an empty one skips its follow-up query).
    add_everything(2, author, chair)
    with count_queries() as small:
        assert client.get("/?local_authority=Borough+1&period=12").status_code == 200
    add_everything(20, author, chair)
    with count_queries() as large:
        assert client.get("/?local_authority=Borough+1&period=12").status_code == 200
    assert len(small) == len(large)
    assert len(large) <= QUERY_LIMIT, large
