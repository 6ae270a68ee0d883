"""The risk formula: an item's score and its band on the NHS 5x5 risk matrix.

An item's score is likelihood x impact (1-25). Bands: 1-3 low, 4-6 moderate,
8-12 high, 15-25 extreme (products of two numbers from 1 to 5 never give 7,
13 or 14, so the bands leave no gaps).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa


class Band(enum.StrEnum):
    """A risk band, lowest first."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    EXTREME = "extreme"

    @property
    def label(self) -> str:
        """The band as people read it."""
        return self.value.capitalize()


#: The lowest score of each band.
BAND_FLOORS = ((15, Band.EXTREME), (8, Band.HIGH), (4, Band.MODERATE), (1, Band.LOW))

EXPLANATION = (
    "Each item of intelligence is scored likelihood × impact, from 1 to 25, and banded "
    "as on the NHS 5×5 risk matrix: 1–3 low, 4–6 moderate, 8–12 high, 15–25 extreme."
)


def item_score(likelihood: int, impact: int) -> int:
    """Likelihood x impact, each 1-5."""
    if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
        raise ValueError("likelihood and impact must each be from 1 to 5")
    return likelihood * impact


def band_for(score: int) -> Band:
    """The band a score of 1-25 falls in."""
    for floor, band in BAND_FLOORS:
        if score >= floor:
            return band
    raise ValueError(f"a risk score is from 1 to 25, not {score}")


WINDOW_EXPLANATION = (
    "A provider's current risk is the highest score among the open items observed in the "
    "last {months} months that you may read, with the number of those items beside it."
)


def window_start(today: date, months: int) -> date:
    """The first day counted in a window of whole months ending today."""
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(today.day, 28))


@dataclass(frozen=True)
class ProviderRisk:
    """A provider's risk as one user may see it."""

    score: int
    items: int

    @property
    def band(self) -> Band:
        """The band of the score."""
        return band_for(self.score)


def current_risks(
    user: Any, provider_ids: Iterable[int], today: date, months: int
) -> dict[int, ProviderRisk]:
    """Current risk per provider from the open items this user may read (one query)."""
    from portal.extensions import db
    from portal.models import IntelligenceItem, ItemStatus
    from portal.policy import readable_items_clause

    ids = list(provider_ids)
    if not ids:
        return {}
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(
            item.provider_id,
            sa.func.max(item.likelihood * item.impact),
            sa.func.count(item.id),
        )
        .where(
            item.provider_id.in_(ids),
            item.status == ItemStatus.OPEN,
            item.observed_on >= window_start(today, months),
            item.observed_on <= today,
            readable_items_clause(user),
        )
        .group_by(item.provider_id)
    )
    return {pid: ProviderRisk(score=int(top), items=int(n)) for pid, top, n in rows}
