"""The checks the concerns and embargo forms share: one message per bad field.

Each function reads one value of the submitted data, puts its message in ``errors`` under
the field's key when the value cannot be used, and answers the clean value (or None).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from portal.inputs import parse_id
from portal.intelligence.validation import clean_text, parse_date

MAX_NOTE = 5_000
MAX_REASON = 2_000

Errors = dict[str, str]


def long_date(value: date) -> str:
    """A day as the pages write it: 23 November 2026."""
    return f"{value.day} {value:%B %Y}"


def chosen_id(
    value: Any, choices: Sequence[tuple[str, str]], key: str, message: str, errors: Errors
) -> int | None:
    """An optional id that must be one of the choices offered."""
    if value in (None, ""):
        return None
    number = parse_id(value)
    if number is None or str(number) not in {c for c, _ in choices}:
        errors[key] = message
        return None
    return number


def free_text(
    value: Any, key: str, label: str, errors: Errors, limit: int, missing: str = ""
) -> str:
    """Free text, trimmed; required when `missing` says what to ask for."""
    text = clean_text(value) if isinstance(value, str) else ""
    if value not in (None, "") and not isinstance(value, str):
        errors[key] = f"{label} must be text"
    elif not text and missing:
        errors[key] = missing
    elif len(text) > limit:
        errors[key] = f"{label} must be {limit:,} characters or fewer"
    return text


def past_date(value: Any, key: str, label: str, errors: Errors, today: date) -> date | None:
    """A required date, today or earlier."""
    day = parse_date(value, key, label, errors, required=True)
    if day is not None and day > today:
        errors[key] = f"{label} must be today or in the past"
        return None
    return day
