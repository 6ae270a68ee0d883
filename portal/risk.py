"""A provider's risk as one user may see it: the queries behind scores, heatmaps and trends.

The formula and its bands (an item's score is likelihood x impact, banded as on the
NHS 5x5 risk matrix) are in ``portal.risk_bands``; the window comes from
``risk_window_months``.

A provider's score for a month is the highest score of the open items observed in
that month, with the number of those items; its current risk is the highest score
over the window. Every function here that reads items runs ONE grouped query and
counts only the open items the user may read (``readable_items_clause``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import IntelligenceItem, ItemStatus, Provider
from portal.policy import Reader, readable_items_clause
from portal.risk_bands import Band, band_for, band_ranges, range_text


def _explanation() -> str:
    """The formula and the configured bands, in one sentence for the pages."""
    bands = ", ".join(f"{range_text(low, high)} {band.value}" for band, low, high in band_ranges())
    return (
        "Each item of intelligence is scored likelihood × impact, from 1 to 25, and banded "
        f"as on the NHS 5×5 risk matrix: {bands}."
    )


EXPLANATION = _explanation()

WINDOW_EXPLANATION = (
    "A provider's current risk is the highest score among the open items observed in the "
    "last {months} months that you may read, with the number of those items beside it."
)

MONTH_EXPLANATION = (
    "A provider's score for a month is the highest score among the open items observed in "
    "that month that you may read; the number of those items is in brackets."
)


# --- periods --------------------------------------------------------------------------------


def window_start(today: date, months: int) -> date:
    """The first day counted in a window of whole months ending today."""
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(today.day, 28))


def window_months() -> int:
    """The configured window for current risk, in months (needs the app context)."""
    return int(current_app.config["PORTAL"]["risk_window_months"])


def end_of_previous_month(today: date) -> date:
    """The last day of the month before today's."""
    return today.replace(day=1) - timedelta(days=1)


def last_months(today: date, count: int = 12) -> list[tuple[int, int]]:
    """(year, month 1-12) of the last `count` months, oldest first, ending with today's."""
    index = today.year * 12 + today.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def month_bounds(year_month: tuple[int, int]) -> tuple[date, date]:
    """The first and last day of a (year, month 1-12)."""
    year, month = year_month
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


# --- what one user may see ------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRisk:
    """A provider's risk as one user may see it."""

    score: int
    items: int

    @property
    def band(self) -> Band:
        """The band of the score."""
        return band_for(self.score)


@dataclass(frozen=True)
class RankedProvider:
    """A provider with its highest score in a period."""

    id: int
    name: str
    risk: ProviderRisk


@dataclass(frozen=True)
class RiskFilters:
    """Which providers a ranking, heatmap or matrix covers; blank means all."""

    local_authority: str = ""
    service_type: str = ""


def _open_readable(user: Reader, start: date, end: date) -> list[sa.ColumnElement[bool]]:
    """Open items observed from start to end (inclusive) that the user may read."""
    item = IntelligenceItem
    return [
        item.status == ItemStatus.OPEN,
        item.observed_on >= start,
        item.observed_on <= end,
        readable_items_clause(user),
    ]


def _provider_conditions(filters: RiskFilters) -> list[sa.ColumnElement[bool]]:
    """Conditions on Provider for the filters."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.local_authority:
        conditions.append(Provider.local_authority == filters.local_authority)
    if filters.service_type:
        conditions.append(Provider.registered_for(filters.service_type))
    return conditions


def _score() -> sa.ColumnElement[int]:
    return IntelligenceItem.likelihood * IntelligenceItem.impact


def current_risks(
    user: Reader, provider_ids: Iterable[int], today: date, months: int
) -> dict[int, ProviderRisk]:
    """Current risk per provider from the open items this user may read (one query)."""
    ids = list(provider_ids)
    if not ids:
        return {}
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(item.provider_id, sa.func.max(_score()), sa.func.count(item.id))
        .where(item.provider_id.in_(ids), *_open_readable(user, window_start(today, months), today))
        .group_by(item.provider_id)
    )
    return {pid: ProviderRisk(score=int(top), items=int(n)) for pid, top, n in rows}


def highest_risk_providers(
    user: Reader, filters: RiskFilters, start: date, end: date, limit: int
) -> list[RankedProvider]:
    """The providers with the highest score in the period, highest first (one query)."""
    item = IntelligenceItem
    top, count = sa.func.max(_score()).label("top"), sa.func.count(item.id).label("item_count")
    conditions = _open_readable(user, start, end)
    if filters.local_authority or filters.service_type:
        chosen = sa.select(Provider.id).where(*_provider_conditions(filters))
        conditions.append(item.provider_id.in_(chosen))
    # Rank on the items alone, then fetch the few names: cheaper than grouping a join.
    ranked = (
        sa.select(item.provider_id, top, count)
        .where(*conditions)
        .group_by(item.provider_id)
        .order_by(top.desc(), count.desc(), item.provider_id)
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Provider.id, Provider.name, ranked.c.top, ranked.c.item_count)
        .join(ranked, ranked.c.provider_id == Provider.id)
        .order_by(ranked.c.top.desc(), ranked.c.item_count.desc(), Provider.name, Provider.id)
    )
    return [
        RankedProvider(id=pid, name=name, risk=ProviderRisk(score=int(s), items=int(n)))
        for pid, name, s, n in rows
    ]


def provider_month_scores(
    user: Reader, provider_ids: Iterable[int], months: Sequence[tuple[int, int]]
) -> dict[int, dict[tuple[int, int], ProviderRisk]]:
    """Per provider and (year, month 1-12): highest readable open score and count (one query)."""
    ids, wanted = list(provider_ids), set(months)
    if not ids or not wanted:
        return {}
    item = IntelligenceItem
    year = sa.extract("year", item.observed_on)
    month = sa.extract("month", item.observed_on)
    start, end = month_bounds(min(wanted))[0], month_bounds(max(wanted))[1]
    rows = db.session.execute(
        sa.select(item.provider_id, year, month, sa.func.max(_score()), sa.func.count(item.id))
        .where(item.provider_id.in_(ids), *_open_readable(user, start, end))
        .group_by(item.provider_id, year, month)
    )
    result: dict[int, dict[tuple[int, int], ProviderRisk]] = {}
    for pid, y, m, top, n in rows:
        key = (int(y), int(m))
        if key in wanted:
            result.setdefault(pid, {})[key] = ProviderRisk(score=int(top), items=int(n))
    return result


def provider_key_question_scores(
    user: Reader, provider_ids: Iterable[int], start: date, end: date
) -> dict[int, dict[str, ProviderRisk]]:
    """Per provider and key question code: highest readable open score and count (one query)."""
    ids = list(provider_ids)
    if not ids:
        return {}
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(
            item.provider_id, item.key_question, sa.func.max(_score()), sa.func.count(item.id)
        )
        .where(item.provider_id.in_(ids), *_open_readable(user, start, end))
        .group_by(item.provider_id, item.key_question)
    )
    result: dict[int, dict[str, ProviderRisk]] = {}
    for pid, question, top, n in rows:
        result.setdefault(pid, {})[str(question)] = ProviderRisk(score=int(top), items=int(n))
    return result


def matrix_counts(
    user: Reader, filters: RiskFilters, start: date, end: date
) -> dict[tuple[int, int], int]:
    """(likelihood, impact) -> number of readable open items in the period (one query)."""
    item = IntelligenceItem
    query = sa.select(item.likelihood, item.impact, sa.func.count(item.id)).where(
        *_open_readable(user, start, end)
    )
    conditions = _provider_conditions(filters)
    if conditions:
        query = query.join(Provider, Provider.id == item.provider_id).where(*conditions)
    rows = db.session.execute(query.group_by(item.likelihood, item.impact))
    return {(int(likelihood), int(impact)): int(n) for likelihood, impact, n in rows}


# --- trend ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    """How a provider's current risk moved since the end of last month, in words."""

    direction: str  # "up", "down" or "same"
    text: str


def risk_trend(now: ProviderRisk | None, before: ProviderRisk | None) -> Trend:
    """Compare current risk now with current risk as it stood at the end of last month."""
    if before is None:
        if now is None:
            return Trend("same", "No change: no score now or last month")
        return Trend("up", "Up: no score at the end of last month")
    was = f"{before.score} ({before.band.value})"
    if now is None:
        return Trend("down", f"Down from {was}: no score now")
    if now.score > before.score:
        return Trend("up", f"Up from {was}")
    if now.score < before.score:
        return Trend("down", f"Down from {was}")
    return Trend("same", "Same as last month")
