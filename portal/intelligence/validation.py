"""The one check of an intelligence item's fields, shared by the form and the API.

``validate_item`` reads the API's shape (the form converts itself to it) and
answers either the clean values or one message per bad field, every bad field
at once, so the form shows an error summary and the API a 422.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app

from portal import clock
from portal.config import labels
from portal.extensions import db
from portal.inputs import clean_text, parse_id
from portal.intelligence.attachments import CheckedUpload, Upload, check_uploads
from portal.intelligence.recipients import recipients_from_emails, recipients_from_ids
from portal.models import (
    HandlingCode,
    IntelligenceAssessment,
    KeyQuestion,
    Marking,
    Provider,
    SourceEvaluation,
    User,
)
from portal.unit_of_work import ValidationFailed

E = TypeVar("E", bound=enum.Enum)

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_CONDITIONS = 2_000
EARLIEST_YEAR = 1900
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class ItemFields:
    """An item's fields once checked: ready to save."""

    provider: Provider
    observed_on: date
    title: str
    body: str
    key_question: KeyQuestion
    themes: list[str]
    likelihood: int
    impact: int
    source_evaluation: SourceEvaluation
    intelligence_assessment: IntelligenceAssessment
    handling_code: HandlingCode
    handling_conditions: str
    marking: Marking
    recipients: list[User]
    uploads: list[CheckedUpload] = field(default_factory=list)


@dataclass
class Reading:
    """Data being checked field by field: the values read so far and one message per bad field."""

    data: Mapping[str, Any]
    today: date
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


R = TypeVar("R", bound=Reading)
#: One field's check: reads `reading.data` (and values checked before it), records any message
#: in `reading.errors`, and answers the field's clean value (None when it has none).
FieldCheck = Callable[[R], Any]


def read_fields(reading: R, checks: Sequence[tuple[str, FieldCheck[R]]]) -> dict[str, Any]:
    """Walk a table of field checks in order; each value is kept under its name."""
    for name, check in checks:
        reading.values[name] = check(reading)
    return reading.values


def text_field(key: str, label: str, missing: str | None, max_length: int) -> FieldCheck[Reading]:
    """The check of a text field (required when `missing` is given)."""
    return lambda r: _text(r.data, key, label, r.errors, missing, max_length)


def choice_field(
    key: str,
    options: type[enum.Enum],
    missing: str,
    invalid: str,
    normalise: Callable[[str], str] = str.upper,
) -> FieldCheck[Reading]:
    """The check of a field holding one of an enumeration's values."""
    return lambda r: _choice(r.data, key, options, r.errors, missing, invalid, normalise)


def scale_field(key: str, label: str, missing: str) -> FieldCheck[Reading]:
    """The check of a whole number from 1 to 5."""
    return lambda r: _scale(r.data, key, label, r.errors, missing)


def provider_field(reading: Reading) -> Provider | None:
    """The check of the provider named by provider_id or cqc_location_id."""
    return _provider(reading.data, reading.errors)


def past_date_field(key: str, label: str) -> FieldCheck[Reading]:
    """The check of a required date that is today or in the past."""

    def check(reading: Reading) -> date | None:
        day = parse_date(reading.data.get(key), key, label, reading.errors, required=True)
        if day is not None and day > reading.today:
            reading.errors[key] = f"{label} must be today or in the past"
        return day

    return check


def marking_code(value: str) -> str:
    """A marking as typed ("tlp:amber") in the form its values are spelt ("AMBER")."""
    return value.upper().removeprefix("TLP:")


@dataclass(kw_only=True)
class ItemReading(Reading):
    """An item being checked, with who logs it and the files sent with it."""

    author: User
    uploads: Sequence[Upload] = ()
    #: The form names recipients by user id (`recipient_ids`); the API by e-mail (`recipients`).
    recipients_by_id: bool = False


def _themes_field(reading: Reading) -> list[str]:
    return _themes(reading.data.get("themes"), reading.errors)


def _handling_conditions(reading: Reading) -> str:
    """Conditions are required with handling code C and mean nothing with code P."""
    conditions = _text(
        reading.data,
        "handling_conditions",
        "Handling conditions",
        reading.errors,
        None,
        MAX_CONDITIONS,
    )
    code = reading.values["handling_code"]
    if (
        code is HandlingCode.CONDITIONS
        and not conditions
        and "handling_conditions" not in reading.errors
    ):
        reading.errors["handling_conditions"] = (
            "Enter the handling conditions (required with handling code C)"
        )
    if code is HandlingCode.PERMITTED:
        return ""  # conditions only mean something with code C
    return conditions


def _recipients_field(reading: ItemReading) -> list[User]:
    """Only TLP:RED names its readers; other markings ignore the recipients sent."""
    if reading.values["marking"] is not Marking.RED:
        return []
    if reading.recipients_by_id:
        return recipients_from_ids(
            reading.data.get("recipient_ids"), reading.author, reading.errors
        )
    return recipients_from_emails(reading.data.get("recipients"), reading.author, reading.errors)


def _uploads_field(reading: ItemReading) -> list[CheckedUpload]:
    if not reading.uploads:
        return []
    checked, problem = check_uploads(
        list(reading.uploads), int(current_app.config["PORTAL"]["attachment_max_mb"])
    )
    if problem:
        reading.errors["attachments"] = problem
    return checked


#: An item's fields in the order they are checked (and their messages listed), by ItemFields name.
ITEM_CHECKS: tuple[tuple[str, FieldCheck[ItemReading]], ...] = (
    ("provider", provider_field),
    ("observed_on", past_date_field("observed_on", "Date observed")),
    ("title", text_field("title", "Title", "Enter a title", MAX_TITLE)),
    ("body", text_field("body", "What you learnt", "Enter what you learnt", MAX_TEXT)),
    (
        "key_question",
        choice_field(
            "key_question",
            KeyQuestion,
            missing="Choose the key question it is about",
            invalid="Key question must be one of safe, effective, caring, responsive or well-led",
            normalise=str.lower,
        ),
    ),
    ("themes", _themes_field),
    ("likelihood", scale_field("likelihood", "Likelihood", "Choose how likely it is")),
    ("impact", scale_field("impact", "Impact", "Choose how much harm it could cause")),
    (
        "source_evaluation",
        choice_field(
            "source_evaluation",
            SourceEvaluation,
            missing="Choose the source evaluation",
            invalid="Source evaluation must be 1, 2 or 3",
        ),
    ),
    (
        "intelligence_assessment",
        choice_field(
            "intelligence_assessment",
            IntelligenceAssessment,
            missing="Choose the intelligence assessment",
            invalid="Intelligence assessment must be A, B, C, D or E",
        ),
    ),
    (
        "handling_code",
        choice_field(
            "handling_code",
            HandlingCode,
            missing="Choose the handling code",
            invalid="Handling code must be P or C",
        ),
    ),
    ("handling_conditions", _handling_conditions),
    (
        "marking",
        choice_field(
            "marking",
            Marking,
            missing="Choose a sharing marking",
            invalid="Marking must be one of CLEAR, GREEN, AMBER, AMBER+STRICT or RED",
            normalise=marking_code,
        ),
    ),
    ("recipients", _recipients_field),
    ("uploads", _uploads_field),
)


def validate_item(
    data: object,
    author: User,
    uploads: Sequence[Upload] = (),
    today: date | None = None,
    *,
    recipients_by_id: bool = False,
) -> ItemFields:
    """Check every field; the clean values, or ValidationFailed with one message per bad field.

    recipients_by_id: the recipients come as user ids in `recipient_ids` (the form's way), not
    as e-mail addresses in `recipients` (the API's).
    """
    if not isinstance(data, Mapping):
        raise ValidationFailed({"request": "Send the item as a JSON object"})
    reading = ItemReading(
        data,
        today or clock.today(),
        author=author,
        uploads=uploads,
        recipients_by_id=recipients_by_id,
    )
    values = read_fields(reading, ITEM_CHECKS)
    if reading.errors or any(value is None for value in values.values()):
        # Every missing value has its message already; the fallback is never shown.
        raise ValidationFailed(reading.errors or {"request": "The item could not be read"})
    return ItemFields(**values)


def whole_number(value: Any) -> int | None:
    """An int from an int or a string of digits; None for anything else (booleans too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    # isascii(): "²" and "①" pass isdigit() but are no number int() can read.
    if text.isascii() and text.isdigit() and len(text) < 10:
        return int(text)
    return None


def parse_date(
    value: Any, key: str, label: str, errors: dict[str, str], required: bool = False
) -> date | None:
    """A date from YYYY-MM-DD text or GOV.UK day/month/year parts; messages name the label."""
    if isinstance(value, Mapping):
        return _date_from_parts(value, key, label, errors, required)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[key] = f"Enter the {label.lower()}"
        return None
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        errors[key] = f"{label} must be a real date in the format YYYY-MM-DD"
        return None
    year, month, day = value.strip().split("-")
    return _real_date(year, month, day, key, label, errors)


def _date_from_parts(
    value: Mapping[str, Any], key: str, label: str, errors: dict[str, str], required: bool
) -> date | None:
    """A date typed into the three boxes of the GOV.UK date input."""
    day, month, year = (str(value.get(name) or "").strip() for name in ("day", "month", "year"))
    if not (day or month or year):
        if required:
            errors[key] = f"Enter the {label.lower()}"
        return None
    missing = [
        name for name, part in (("a day", day), ("a month", month), ("a year", year)) if not part
    ]
    if missing:
        errors[key] = f"{label} must include {' and '.join(missing)}"
        return None
    if not (
        day.isdigit()
        and month.isdigit()
        and year.isdigit()
        and len(day) <= 2
        and len(month) <= 2
        and len(year) == 4
    ):
        errors[key] = f"{label} must be a real date"
        return None
    return _real_date(year, month, day, key, label, errors)


def _real_date(
    year: str, month: str, day: str, key: str, label: str, errors: dict[str, str]
) -> date | None:
    """The date, or a message when no such day exists (or it is before 1900)."""
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        parsed = None
    if parsed is None or parsed.year < EARLIEST_YEAR:
        errors[key] = f"{label} must be a real date"
        return None
    return parsed


def _provider(data: Mapping[str, Any], errors: dict[str, str]) -> Provider | None:
    """The provider named by provider_id, else by cqc_location_id."""
    raw_id, raw_cqc = data.get("provider_id"), data.get("cqc_location_id")
    if raw_id not in (None, ""):
        number = parse_id(raw_id)
        provider = db.session.get(Provider, number) if number is not None else None
        if provider is None:
            errors["provider_id"] = "There is no provider with this ID: choose the provider again"
        return provider
    if raw_cqc not in (None, ""):
        provider = None
        if isinstance(raw_cqc, str):
            provider = db.session.scalar(
                sa.select(Provider).where(Provider.cqc_location_id == clean_text(raw_cqc))
            )
        if provider is None:
            errors["cqc_location_id"] = "No provider has this CQC location ID"
        return provider
    errors["provider_id"] = "Choose the provider (give provider_id or cqc_location_id)"
    return None


def _text(
    data: Mapping[str, Any],
    key: str,
    label: str,
    errors: dict[str, str],
    missing: str | None,
    max_length: int,
) -> str:
    """A text field: required when `missing` is given, at most max_length characters."""
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = f"{label} must be text"
        return ""
    text = clean_text(value)
    if not text and missing:
        errors[key] = missing
    elif len(text) > max_length:
        errors[key] = f"{label} must be {max_length:,} characters or fewer"
    return text


def _choice(
    data: Mapping[str, Any],
    key: str,
    options: type[E],
    errors: dict[str, str],
    missing: str,
    invalid: str,
    normalise: Any = str.upper,
) -> E | None:
    """One of an enumeration's values (numbers may come as numbers)."""
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[key] = missing
        return None
    by_value = {member.value: member for member in options}
    chosen = by_value.get(normalise(value.strip())) if isinstance(value, str) else None
    if chosen is None:
        errors[key] = invalid
    return chosen


def _scale(
    data: Mapping[str, Any], key: str, label: str, errors: dict[str, str], missing: str
) -> int | None:
    """A whole number from 1 to 5."""
    value = data.get(key)
    if value is None or value == "":
        errors[key] = missing
        return None
    number = whole_number(value)
    if number is None or not 1 <= number <= 5:
        errors[key] = f"{label} must be a whole number from 1 to 5"
        return None
    return number


def _themes(value: Any, errors: dict[str, str]) -> list[str]:
    """Theme codes from the taxonomy, each once."""
    if value is None or value == "":
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors["themes"] = "Themes must be a list of theme codes"
        return []
    known = labels("themes")
    unknown = [v[:50] for v in value if v not in known]
    if unknown:
        errors["themes"] = (
            f"Unknown theme {', '.join(unknown[:5])}: use the codes {', '.join(known)}"
        )
        return []
    return sorted(set(value))
