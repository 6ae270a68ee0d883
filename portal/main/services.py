"""What the home page shows: the dashboard's day, and the newest intelligence the user may read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import IntelligenceItem
from portal.policy import readable_items_clause


def today() -> date:
    """Today's date (tests replace this function to fix the day)."""
    return date.today()


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
        return max(1, -(-self.total // self.per_page))


def newest_readable_items(user: Any, page: int, per_page: int) -> Page:
    """The items the user may read, newest logged first."""
    clause = readable_items_clause(user)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(IntelligenceItem).where(clause)
    )
    pages = max(1, -(-int(total or 0) // per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(
        sa.select(IntelligenceItem)
        .where(clause)
        .options(selectinload(IntelligenceItem.themes), selectinload(IntelligenceItem.recipients))
        .order_by(IntelligenceItem.logged_at.desc(), IntelligenceItem.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), total=int(total or 0), page=page, per_page=per_page)
