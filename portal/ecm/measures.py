"""ECM measures per provider and month: visits, missed, late and short, read through the policy.

A visit is missed when it has no actual start and end; late when the carer started more than
``ecm_late_minutes`` (30) after the planned start; short when they stayed under
``ecm_short_percent`` (75%) of the planned duration. Each measure is one grouped query over
the visits the reader may read (``portal.policy``), so a figure shown to a user counts only
data that user may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.heatmap import MONTH_NAMES
from portal.models import CareVisit
from portal.policy import PACK_AUDIENCE, Reader, readable_care_visits_clause

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class MonthMeasures:
    """One provider's ECM figures for one month."""

    month: str  # YYYY-MM
    visits: int = 0
    missed: int = 0
    late: int = 0
    short: int = 0

    @property
    def label(self) -> str:
        """The month as people read it: October 2026."""
        year, month = self.month.split("-")
        return f"{MONTH_NAMES[int(month) - 1]} {year}"

    @property
    def short_label(self) -> str:
        """The month in three letters and two digits: Oct 26."""
        year, month = self.month.split("-")
        return f"{MONTH_NAMES[int(month) - 1][:3]} {year[2:]}"

    def share(self, count: int) -> float | None:
        """count as a percentage of the visits; None when there were none."""
        return 100 * count / self.visits if self.visits else None

    @property
    def missed_share(self) -> float | None:
        """Missed visits as a percentage."""
        return self.share(self.missed)

    @property
    def late_share(self) -> float | None:
        """Late visits as a percentage."""
        return self.share(self.late)

    @property
    def short_share(self) -> float | None:
        """Short visits as a percentage."""
        return self.share(self.short)

    def as_json(self) -> dict[str, Any]:
        """The API's shape: {"month", "visits", "missed", "late", "short"}."""
        return {
            "month": self.month,
            "visits": self.visits,
            "missed": self.missed,
            "late": self.late,
            "short": self.short,
        }


@dataclass(frozen=True)
class Thresholds:
    """When a visit counts as late or short, and a month raises an alert."""

    late_minutes: int
    short_percent: int
    missed_alert_percent: int


def thresholds() -> Thresholds:
    """The configured thresholds (config/default.toml, PORTAL_ECM_* variables)."""
    settings = current_app.config["PORTAL"]
    return Thresholds(
        late_minutes=int(settings["ecm_late_minutes"]),
        short_percent=int(settings["ecm_short_percent"]),
        missed_alert_percent=int(settings["ecm_missed_alert_percent"]),
    )


def last_months(today: date, count: int = MONTHS_SHOWN) -> list[str]:
    """The `count` months up to and including today's, oldest first, as YYYY-MM."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def measure_columns() -> list[sa.ColumnElement[Any]]:
    """count, missed, late, short as SQL aggregates over CareVisit."""
    limits = thresholds()
    visit = CareVisit
    missed = sa.case((visit.actual_start.is_(None), 1), else_=0)
    late = sa.case((visit.start_delay_seconds > limits.late_minutes * 60, 1), else_=0)
    short = sa.case(
        (visit.actual_seconds * 100 < visit.planned_minutes * 60 * limits.short_percent, 1),
        else_=0,
    )
    return [
        sa.func.count().label("visits"),
        sa.func.sum(missed).label("missed"),
        sa.func.sum(late).label("late"),
        sa.func.sum(short).label("short"),
    ]


def _grouped(
    provider_ids: Sequence[int], months: Sequence[str], condition: sa.ColumnElement[bool]
) -> dict[int, dict[str, MonthMeasures]]:
    found: dict[int, dict[str, MonthMeasures]] = {pid: {} for pid in provider_ids}
    if not provider_ids:
        return found
    query = (
        sa.select(CareVisit.provider_id, CareVisit.month, *measure_columns())
        .where(
            CareVisit.provider_id.in_(provider_ids),
            CareVisit.month.between(months[0], months[-1]),
            condition,
        )
        .group_by(CareVisit.provider_id, CareVisit.month)
    )
    for row in db.session.execute(query):
        found[row.provider_id][row.month] = MonthMeasures(
            row.month,
            int(row.visits),
            int(row.missed or 0),
            int(row.late or 0),
            int(row.short or 0),
        )
    return found


def _filled(by_month: dict[str, MonthMeasures], months: Iterable[str]) -> list[MonthMeasures]:
    return [by_month.get(month, MonthMeasures(month)) for month in months]


def care_monitoring(user: Reader, provider_id: int, today: date) -> list[MonthMeasures]:
    """The provider's last 12 months (oldest first) from ECM data the user may read."""
    months = last_months(today)
    found = _grouped([provider_id], months, readable_care_visits_clause(user))
    return _filled(found[provider_id], months)


def care_monitoring_for_audience(
    provider_ids: Sequence[int], today: date
) -> dict[int, list[MonthMeasures]]:
    """Each provider's last 12 months from the ECM data a meeting pack's audience may read.

    For the monthly pack, built for all members: read for ``portal.policy.PACK_AUDIENCE``
    (CLEAR, GREEN, AMBER), like the pack's intelligence. One query for all.
    """
    months = last_months(today)
    found = _grouped(list(provider_ids), months, readable_care_visits_clause(PACK_AUDIENCE))
    return {pid: _filled(found[pid], months) for pid in provider_ids}


def has_data(measures: Sequence[MonthMeasures]) -> bool:
    """Whether any month has visits."""
    return any(m.visits for m in measures)
