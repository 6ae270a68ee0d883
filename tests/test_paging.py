"""Paging arithmetic: every paged list counts its pages and picks its rows the same way."""

from __future__ import annotations

import pytest

from portal.paging import Page, clamp_page, page_count, page_offset


@pytest.mark.parametrize(
    ("total", "per_page", "pages"),
    [(0, 20, 1), (1, 20, 1), (20, 20, 1), (21, 20, 2), (40, 20, 2), (41, 20, 3), (7, 1, 7)],
)
def test_an_empty_list_has_one_page_and_a_part_page_counts_as_a_page(
    total: int, per_page: int, pages: int
) -> None:
    assert page_count(total, per_page) == pages
    assert Page(items=[], total=total, page=1, per_page=per_page).pages == pages


@pytest.mark.parametrize(
    ("page", "total", "expected"), [(0, 45, 1), (-3, 45, 1), (2, 45, 2), (3, 45, 3), (9, 45, 3)]
)
def test_a_page_outside_the_list_is_brought_back_to_the_first_or_last(
    page: int, total: int, expected: int
) -> None:
    assert clamp_page(page, total, 20) == expected


def test_a_page_starts_after_the_rows_of_the_pages_before_it() -> None:
    assert [page_offset(page, 20) for page in (1, 2, 3)] == [0, 20, 40]
