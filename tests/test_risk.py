"""The risk formula: scores, bands, and a provider's current risk as one user sees it."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal import risk_bands
from portal.config import ConfigurationError, config_dir, load_settings
from portal.extensions import db
from portal.models import ItemStatus, KeyQuestion, Marking, ProviderServiceType, Role
from portal.risk import (
    EXPLANATION,
    WINDOW_EXPLANATION,
    ProviderRisk,
    RiskFilters,
    current_risks,
    end_of_previous_month,
    highest_risk_providers,
    last_months,
    matrix_counts,
    month_bounds,
    provider_key_question_scores,
    provider_month_scores,
    risk_trend,
    window_start,
)
from portal.risk_bands import (
    Band,
    BandThresholdsError,
    band_floors,
    band_for,
    band_ranges,
    configured_band_floors,
    item_score,
    parse_band_floors,
)
from tests import factories
from tests.imports import imported_modules, outside_the_standard_library


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


# --- thresholds from config/ -----------------------------------------------------------------


def test_the_band_thresholds_in_config_are_the_nhs_ones():
    assert band_floors() == parse_band_floors({"moderate": 4, "high": 8, "extreme": 15})
    with open(config_dir() / "default.toml", "rb") as fh:
        assert tomllib.load(fh)["risk_bands"] == {"moderate": 4, "high": 8, "extreme": 15}


def test_the_thresholds_can_be_set_in_the_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_RISK_BANDS", "moderate=5, high=10, extreme=16")
    assert configured_band_floors() == (
        (16, Band.EXTREME),
        (10, Band.HIGH),
        (5, Band.MODERATE),
        (1, Band.LOW),
    )


def test_thresholds_are_read_from_the_folder_of_the_other_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PORTAL_CONFIG_DIR", raising=False)
    assert risk_bands._config_dir() == config_dir()
    (tmp_path / "default.toml").write_text("risk_bands = { moderate = 5, high = 10, extreme = 16 }")
    monkeypatch.setenv("PORTAL_CONFIG_DIR", str(tmp_path))
    assert risk_bands._config_dir() == config_dir() == tmp_path
    assert configured_band_floors()[0] == (16, Band.EXTREME)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"moderate": 4, "high": 8}, "exactly moderate, high and extreme"),
        ({"moderate": 8, "high": 4, "extreme": 15}, "must rise"),
        ({"moderate": "four", "high": 8, "extreme": 15}, "whole number"),
        ({"moderate": 4, "high": 7, "extreme": 8}, "no possible score falls in the high band"),
        ("moderate 4", "write it like"),
    ],
)
def test_bad_thresholds_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(BandThresholdsError, match=message):
        parse_band_floors(raw)


def test_the_app_refuses_to_start_with_bad_thresholds_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTAL_RISK_BANDS", "moderate 4")
    with pytest.raises(ConfigurationError, match="risk_bands: write it like"):
        load_settings()


def test_the_formula_and_bands_import_only_the_standard_library() -> None:
    # So the models, the policy and the risk queries can all use them without a circle.
    assert outside_the_standard_library(imported_modules("portal.risk_bands")) == set()


def test_the_explanation_names_every_band_with_its_scores():
    assert "1–3 low, 4–6 moderate, 8–12 high, 15–25 extreme" in EXPLANATION
    assert band_ranges() == [
        (Band.LOW, 1, 3),
        (Band.MODERATE, 4, 6),
        (Band.HIGH, 8, 12),
        (Band.EXTREME, 15, 25),
    ]
    assert "last 3 months" in WINDOW_EXPLANATION.format(months=3)


# --- periods -------------------------------------------------------------------------------


def test_the_last_twelve_months_end_with_this_month():
    months = last_months(date(2026, 2, 10), 12)
    assert months[0] == (2025, 3) and months[-1] == (2026, 2) and len(months) == 12
    assert month_bounds((2024, 2)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_bounds((2026, 12)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert end_of_previous_month(date(2026, 3, 15)) == date(2026, 2, 28)


# --- scores per month, key question and cell -----------------------------------------------


@pytest.fixture
def scored(app):
    """A council member, a police officer, two homes, and items across months."""
    police = factories.user(Role.MEMBER, factories.agency("MPS"))
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    cedar = factories.provider(name="Cedar Lodge", local_authority="Merton")
    oak = factories.provider(name="Oak House", local_authority="Sutton")
    db.session.add(ProviderServiceType(provider=oak, service_type="domiciliary"))
    add = factories.item
    add(police, Marking.GREEN, cedar, likelihood=2, impact=3, observed_on=date(2026, 9, 3))
    add(police, Marking.AMBER, cedar, likelihood=4, impact=3, observed_on=date(2026, 9, 20))
    add(
        police,
        Marking.GREEN,
        cedar,
        likelihood=3,
        impact=3,
        observed_on=date(2026, 11, 2),
        key_question=KeyQuestion.WELL_LED,
    )
    add(police, Marking.GREEN, oak, likelihood=5, impact=3, observed_on=date(2026, 11, 5))
    add(
        police,
        Marking.GREEN,
        oak,
        likelihood=5,
        impact=5,
        observed_on=date(2026, 11, 6),
        status=ItemStatus.WITHDRAWN,
    )
    db.session.commit()
    return SimpleNamespace(police=police, member=member, cedar=cedar, oak=oak)


def add_unreadable(world):
    """RED and AMBER+STRICT items by the police, with the highest scores, on both homes."""
    for provider in (world.cedar, world.oak):
        for marking in (Marking.RED, Marking.AMBER_STRICT):
            for observed in (date(2026, 9, 1), date(2026, 11, 3)):
                factories.item(
                    world.police,
                    marking,
                    provider,
                    likelihood=5,
                    impact=5,
                    observed_on=observed,
                    key_question=KeyQuestion.CARING,
                )
    db.session.commit()


MONTHS = [(2026, 9), (2026, 10), (2026, 11)]


def test_a_months_score_is_its_highest_open_readable_item_with_the_count(scored):
    scores = provider_month_scores(scored.member, [scored.cedar.id, scored.oak.id], MONTHS)
    assert scores[scored.cedar.id] == {
        (2026, 9): ProviderRisk(12, 2),
        (2026, 11): ProviderRisk(9, 1),
    }
    # The withdrawn 25 does not count.
    assert scores[scored.oak.id] == {(2026, 11): ProviderRisk(15, 1)}


def test_scores_per_key_question_cover_the_period_asked_for(scored):
    scores = provider_key_question_scores(
        scored.member, [scored.cedar.id], date(2026, 9, 10), date(2026, 11, 30)
    )
    assert scores == {
        scored.cedar.id: {"safe": ProviderRisk(12, 1), "well-led": ProviderRisk(9, 1)}
    }


def test_the_matrix_counts_items_by_likelihood_and_impact_within_the_filters(scored):
    start, end = date(2026, 9, 1), date(2026, 11, 30)
    everything = matrix_counts(scored.member, RiskFilters(), start, end)
    assert everything == {(2, 3): 1, (4, 3): 1, (3, 3): 1, (5, 3): 1}
    merton = matrix_counts(scored.member, RiskFilters(local_authority="Merton"), start, end)
    assert merton == {(2, 3): 1, (4, 3): 1, (3, 3): 1}
    home_care = matrix_counts(scored.member, RiskFilters(service_type="domiciliary"), start, end)
    assert home_care == {(5, 3): 1}


def test_providers_are_ranked_by_highest_score_then_count(scored):
    ranked = highest_risk_providers(
        scored.member, RiskFilters(), date(2026, 9, 1), date(2026, 11, 30), 10
    )
    assert [(p.name, p.risk.score, p.risk.items) for p in ranked] == [
        ("Oak House", 15, 1),
        ("Cedar Lodge", 12, 3),
    ]
    only_one = highest_risk_providers(
        scored.member,
        RiskFilters(local_authority="Merton"),
        date(2026, 9, 1),
        date(2026, 11, 30),
        1,
    )
    assert [p.name for p in only_one] == ["Cedar Lodge"]


def test_red_and_strict_items_change_no_score_for_a_user_outside_their_audience(scored):
    ids, start, end = [scored.cedar.id, scored.oak.id], date(2026, 9, 1), date(2026, 11, 30)

    def everything(user):
        return (
            provider_month_scores(user, ids, MONTHS),
            provider_key_question_scores(user, ids, start, end),
            matrix_counts(user, RiskFilters(), start, end),
            highest_risk_providers(user, RiskFilters(), start, end, 10),
            current_risks(user, ids, date(2026, 11, 23), 3),
        )

    viewer = factories.user(Role.VIEWER, factories.agency("HWMERTON"))
    before = {user.id: everything(user) for user in (scored.member, viewer)}
    before_police = everything(scored.police)
    add_unreadable(scored)
    assert {user.id: everything(user) for user in (scored.member, viewer)} == before
    # The police author may read them, so for them everything changes: the test can see a leak.
    assert everything(scored.police) != before_police


def test_an_amber_item_from_another_agency_changes_nothing_for_a_viewer(scored):
    viewer = factories.user(Role.VIEWER, factories.agency("HWMERTON"))
    start, end = date(2026, 9, 1), date(2026, 11, 30)
    before = matrix_counts(viewer, RiskFilters(), start, end)
    factories.item(scored.police, Marking.AMBER, scored.oak, likelihood=1, impact=1)
    db.session.commit()
    assert matrix_counts(viewer, RiskFilters(), start, end) == before
    assert matrix_counts(scored.member, RiskFilters(), start, end) != before


# --- trend ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "before", "direction", "words"),
    [
        (ProviderRisk(20, 2), ProviderRisk(12, 1), "up", "Up from 12 (high)"),
        (ProviderRisk(8, 2), ProviderRisk(25, 1), "down", "Down from 25 (extreme)"),
        (ProviderRisk(12, 3), ProviderRisk(12, 1), "same", "Same as last month"),
        (ProviderRisk(4, 1), None, "up", "Up: no score at the end of last month"),
        (None, ProviderRisk(6, 1), "down", "Down from 6 (moderate): no score now"),
    ],
)
def test_the_trend_against_last_month_is_said_in_words(now, before, direction, words):
    trend = risk_trend(now, before)
    assert (trend.direction, trend.text) == (direction, words)
