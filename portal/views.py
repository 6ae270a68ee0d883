"""Small helpers every blueprint's views share."""

from __future__ import annotations

from collections.abc import Mapping


def page_number(args: Mapping[str, str]) -> int:
    """The ?page= argument as a page number from 1; anything unreadable is page 1."""
    raw = args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else 1
