"""The risk formula: scores, bands, and a provider's current risk as one user sees it."""

from __future__ import annotations

from datetime import date

import pytest

from portal.models import ItemStatus, Marking, Role
from portal.risk import Band, band_for, current_risks, item_score, window_start
from tests import factories


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1, Band.LOW),
        (3, Band.LOW),
        (4, Band.MODERATE),
        (6, Band.MODERATE),
        (8, Band.HIGH),
        (12, Band.HIGH),
        (15, Band.EXTREME),
        (25, Band.EXTREME),
    ],
)
def test_scores_fall_in_the_nhs_bands(score, band):
    assert band_for(score) is band


def test_every_possible_score_has_a_band():
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            assert band_for(item_score(likelihood, impact)) in Band


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (3, 6)])
def test_likelihood_and_impact_must_be_one_to_five(likelihood, impact):
    with pytest.raises(ValueError, match="1 to 5"):
        item_score(likelihood, impact)


def test_the_window_counts_whole_months_back():
    assert window_start(date(2026, 11, 23), 3) == date(2026, 8, 23)
    assert window_start(date(2026, 2, 10), 3) == date(2025, 11, 10)


def test_current_risk_is_the_highest_open_readable_item_in_the_window(app):
    police = factories.user(Role.MEMBER, factories.agency("MPS"))
    council_member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    home = factories.provider()
    today = date(2026, 11, 23)
    factories.item(
        police, Marking.GREEN, home, likelihood=2, impact=3, observed_on=date(2026, 10, 1)
    )
    factories.item(
        police, Marking.AMBER, home, likelihood=3, impact=4, observed_on=date(2026, 11, 1)
    )
    # Outside what the council member may read, withdrawn, or too old: none of these count.
    factories.item(police, Marking.RED, home, likelihood=5, impact=5, observed_on=date(2026, 11, 2))
    factories.item(
        police,
        Marking.AMBER,
        home,
        likelihood=5,
        impact=4,
        observed_on=date(2026, 11, 3),
        status=ItemStatus.WITHDRAWN,
    )
    factories.item(
        police, Marking.GREEN, home, likelihood=5, impact=5, observed_on=date(2026, 5, 1)
    )

    risk = current_risks(council_member, [home.id], today, 3)[home.id]
    assert (risk.score, risk.items, risk.band) == (12, 2, Band.HIGH)
    # The author may read the RED item, so it counts for them.
    assert current_risks(police, [home.id], today, 3)[home.id].score == 25


def test_a_provider_with_nothing_readable_has_no_current_risk(app):
    police = factories.user(Role.MEMBER, factories.agency("MPS"))
    viewer = factories.user(Role.VIEWER, factories.agency("HWMERTON"))
    home = factories.provider()
    factories.item(police, Marking.AMBER_STRICT, home, observed_on=date(2026, 11, 1))
    assert current_risks(viewer, [home.id], date(2026, 11, 23), 3) == {}
