"""Paging arithmetic every paged list shares: how many pages, which page, which rows.

Reading the page number from a request is the views' business; these take it as an int.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill at `per_page` a page; an empty list has one page."""
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """The page number brought within 1 to the last page."""
    return min(max(1, page), page_count(total, per_page))


def page_offset(page: int, per_page: int) -> int:
    """How many rows come before the page (an SQL OFFSET, or where to slice a list)."""
    return (page - 1) * per_page


@dataclass(frozen=True)
class Page:
    """One page of a list, with what paging needs."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return page_count(self.total, self.per_page)
