"""The portal's one calendar: what day it is for pages, forms and the API.

A test fixes the day with ``fixed_today(day)``; otherwise it is the machine's local date.
The time of day for records is ``portal.models.utcnow``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

_fixed_day: date | None = None


def today() -> date:
    """Today's date: the day a test has fixed, else the machine's local date."""
    return _fixed_day if _fixed_day is not None else date.today()


@contextmanager
def fixed_today(day: date) -> Iterator[None]:
    """Within the block, today() answers `day` (for tests; the day before comes back after)."""
    global _fixed_day
    before, _fixed_day = _fixed_day, day
    try:
        yield
    finally:
        _fixed_day = before
