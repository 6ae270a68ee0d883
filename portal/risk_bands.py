"""The risk formula and its bands: an item's score is likelihood x impact, banded.

An item's score is likelihood x impact (1-25), banded as on the NHS 5x5 risk
matrix. The band thresholds come from ``risk_bands`` in config/default.toml,
overridden by PORTAL_RISK_BANDS (default 1-3 low, 4-6 moderate, 8-12 high, 15-25
extreme: products of two numbers from 1 to 5 never give 7, 13 or 14, so the bands
leave no gaps). They are read once, when first needed; ``portal.config.load_settings``
checks them first, so a bad setting stops the app at start-up with a clear message.

This module imports only the standard library (a test checks), so the models, the
policy and the risk queries in ``portal.risk`` can all use it without a circle.
"""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any


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


#: The lowest score of each band, highest band first.
BandFloors = tuple[tuple[int, Band], ...]

#: Every score an item can have (a product of two numbers from 1 to 5).
POSSIBLE_SCORES = tuple(sorted({a * b for a in range(1, 6) for b in range(1, 6)}))
DEFAULT_BAND_THRESHOLDS = {"moderate": 4, "high": 8, "extreme": 15}
BANDS_ENV = "PORTAL_RISK_BANDS"
#: config/ is found as ``portal.config.config_dir`` finds it (a test checks they agree).
CONFIG_DIR_ENV = "PORTAL_CONFIG_DIR"
_PROJECT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


class BandThresholdsError(ValueError):
    """The risk_bands setting cannot be used; the message says what to change."""


def item_score(likelihood: int, impact: int) -> int:
    """Likelihood x impact, each 1-5."""
    if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
        raise ValueError("likelihood and impact must each be from 1 to 5")
    return likelihood * impact


def parse_band_floors(raw: Mapping[str, Any] | str) -> BandFloors:
    """The lowest score of each band, highest band first, from a config value.

    The value is a table ``{moderate = 4, high = 8, extreme = 15}`` or the same as
    text, ``"moderate=4, high=8, extreme=15"`` (as an environment variable gives it).
    """
    if isinstance(raw, str):
        pairs = [part.split("=", 1) for part in raw.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise BandThresholdsError(
                f"risk_bands: write it like moderate=4, high=8, extreme=15, not {raw!r}"
            )
        raw = {key.strip(): value.strip() for key, value in pairs}
    if set(raw) != set(DEFAULT_BAND_THRESHOLDS):
        raise BandThresholdsError("risk_bands needs exactly moderate, high and extreme")
    try:
        floors = {name: int(raw[name]) for name in DEFAULT_BAND_THRESHOLDS}
    except (TypeError, ValueError):
        raise BandThresholdsError("risk_bands: each threshold is a whole number") from None
    if not 2 <= floors["moderate"] < floors["high"] < floors["extreme"] <= 25:
        raise BandThresholdsError(
            "risk_bands: thresholds must rise, moderate < high < extreme, within 2 to 25"
        )
    result = (
        (floors["extreme"], Band.EXTREME),
        (floors["high"], Band.HIGH),
        (floors["moderate"], Band.MODERATE),
        (1, Band.LOW),
    )
    for band, low, _high in _ranges(result):
        if low is None:
            raise BandThresholdsError(f"risk_bands: no possible score falls in the {band} band")
    return result


def _config_dir() -> Path:
    """The folder holding default.toml: PORTAL_CONFIG_DIR, else the project's config/."""
    return Path(os.environ.get(CONFIG_DIR_ENV, _PROJECT_CONFIG_DIR))


def configured_band_floors() -> BandFloors:
    """The band floors from config/default.toml, overridden by PORTAL_RISK_BANDS."""
    raw: Mapping[str, Any] | str = DEFAULT_BAND_THRESHOLDS
    path = _config_dir() / "default.toml"
    if path.exists():
        with open(path, "rb") as fh:
            raw = tomllib.load(fh).get("risk_bands", raw)
    return parse_band_floors(os.environ.get(BANDS_ENV) or raw)


@cache
def band_floors() -> BandFloors:
    """The configured band floors, highest band first (read once, when first needed)."""
    return configured_band_floors()


def _ranges(floors: Sequence[tuple[int, Band]]) -> list[tuple[Band, int | None, int | None]]:
    """Each band, lowest first, with the lowest and highest possible score in it."""
    ordered = sorted(floors)
    result: list[tuple[Band, int | None, int | None]] = []
    for index, (floor, band) in enumerate(ordered):
        ceiling = ordered[index + 1][0] if index + 1 < len(ordered) else 26
        scores = [s for s in POSSIBLE_SCORES if floor <= s < ceiling]
        result.append((band, scores[0] if scores else None, scores[-1] if scores else None))
    return result


def band_ranges() -> list[tuple[Band, int, int]]:
    """Each band, lowest first, with the lowest and highest score an item can have in it."""
    return [(band, int(low or 0), int(high or 0)) for band, low, high in _ranges(band_floors())]


def range_text(low: int, high: int) -> str:
    """A range of scores as written on the page: 4–6, or 4 when it is one score."""
    return str(low) if low == high else f"{low}–{high}"


def band_for(score: int) -> Band:
    """The band a score of 1-25 falls in."""
    for floor, band in band_floors():
        if score >= floor:
            return band
    raise ValueError(f"a risk score is from 1 to 25, not {score}")
