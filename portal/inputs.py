"""Reading what a request sends: ids, page numbers, JSON bodies and text.

One place, for pages, the API and forms alike, so that no value reaches the
database that it cannot hold (an id past its integer range, a NUL byte, a lone
surrogate) and no input can make a request fail with a 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.routing import IntegerConverter

from portal.unit_of_work import ValidationFailed

#: The largest id a table can hold: PostgreSQL's `integer`, so both databases agree.
MAX_ID = 2**31 - 1
#: The deepest page a list offers: beyond it there is nothing anybody reads.
MAX_PAGE = 10_000
#: How deeply a JSON body may nest objects and lists (the API's own nest two deep).
MAX_JSON_DEPTH = 20
NUL_MESSAGE = "contains a character that cannot be used (a NUL byte)"
SURROGATE_MESSAGE = "contains text that is not valid Unicode"
# Control characters other than tab and newlines: PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InputError(ValidationFailed):
    """Input that cannot be used; `errors` maps each field to its message."""


def _ascii_number(text: str, max_digits: int) -> int | None:
    """The number in text of ASCII digits only (not ², ①, ٣), or None."""
    text = text.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def parse_id(value: object) -> int | None:
    """A database id from a request value (an int or ASCII digits), or None if it cannot be one."""
    if isinstance(value, bool):
        return None
    number = value if isinstance(value, int) else None
    if isinstance(value, str):
        number = _ascii_number(value, len(str(MAX_ID)))
    return number if number is not None and 1 <= number <= MAX_ID else None


def parse_whole_number(value: object, low: int, high: int) -> int | None:
    """A whole number from low to high (an int or ASCII digits), or None."""
    if isinstance(value, bool):
        return None
    number = value if isinstance(value, int) else None
    if isinstance(value, str):
        number = _ascii_number(value, len(str(high)))
    return number if number is not None and low <= number <= high else None


def parse_page(raw: str | None, last: int = MAX_PAGE) -> int | None:
    """A page number from 1 to last, or None when the text is not one."""
    return 1 if raw is None else parse_whole_number(raw, 1, last)


def page_number(args: Mapping[str, str], last: int = MAX_PAGE) -> int:
    """The ?page= argument of a page: anything unreadable is page 1, past the end is the last."""
    raw = args.get("page")
    if raw is not None and _ascii_number(raw, 20) is not None and int(raw.strip()) > last:
        return last
    return parse_page(raw, last) or 1


def clean_text(value: str) -> str:
    """Text without control characters (tabs and newlines stay), trimmed."""
    return _CONTROL.sub("", value).strip()


def text_problem(text: str) -> str | None:
    """Why this text cannot be stored (a NUL byte, a lone surrogate), or None when it can."""
    if "\x00" in text:
        return NUL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def pairs_problems(pairs: Iterable[tuple[Any, Any]]) -> dict[str, str]:
    """Per field, why a form or query value cannot be used (no name, NUL, bad Unicode)."""
    errors: dict[str, str] = {}
    for key, value in pairs:
        if not isinstance(key, str):
            errors["request"] = "A part of the form has no name"
            continue
        name = key if text_problem(key) is None else "request"
        problem = text_problem(key) or (text_problem(value) if isinstance(value, str) else None)
        if problem:
            errors.setdefault(name, f"{name} {problem}" if name != "request" else problem)
    return errors


def _json_problems(document: Any) -> dict[str, str]:
    """Per top-level field, why a parsed JSON value cannot be used (depth, NUL, surrogates)."""
    errors: dict[str, str] = {}
    stack: list[tuple[Any, str, int]] = [(document, "request", 0)]
    while stack:
        value, field, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            errors[field] = f"The JSON nests more than {MAX_JSON_DEPTH} levels deep"
            continue
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                errors.setdefault(field, f"{field} {problem}")
        elif isinstance(value, dict):
            for key, part in value.items():
                problem = text_problem(key)
                name = key if depth == 0 and problem is None else field
                if problem:
                    errors.setdefault(name, f"A field name {problem}")
                stack.append((part, name, depth + 1))
        elif isinstance(value, list):
            stack.extend((part, field, depth + 1) for part in value)
    return errors


JSON_EXPECTED = "Send a JSON object with Content-Type: application/json"


def read_json_object(body: bytes, is_json: bool = True) -> dict[str, Any]:
    """A request body as a JSON object; InputError (for a 422) with a message otherwise."""
    if not is_json or not body.strip():
        raise InputError({"request": JSON_EXPECTED})
    try:
        document = json.loads(body)
    except RecursionError:
        raise InputError(
            {"request": f"The JSON nests more than {MAX_JSON_DEPTH} levels deep"}
        ) from None
    except ValueError as exc:
        raise InputError({"request": f"The body is not a valid JSON object ({exc})"}) from None
    if not isinstance(document, dict):
        raise InputError({"request": JSON_EXPECTED})
    problems = _json_problems(document)
    if problems:
        raise InputError(problems)
    return document


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in a route: ASCII digits within a table's id range, else 404."""

    regex = r"[0-9]+"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
