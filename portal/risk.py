"""The risk formula: an item's score and its band on the NHS 5x5 risk matrix.

An item's score is likelihood x impact (1-25). Bands: 1-3 low, 4-6 moderate,
8-12 high, 15-25 extreme (products of two numbers from 1 to 5 never give 7,
13 or 14, so the bands leave no gaps).
"""

from __future__ import annotations

import enum


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
