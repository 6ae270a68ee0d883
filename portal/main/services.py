"""What the home page shows: the newest intelligence the user may read."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import IntelligenceItem
from portal.paging import Page, clamp_page, page_offset
from portal.policy import Reader, readable_items_clause


def newest_readable_items(user: Reader, page: int, per_page: int) -> Page:
    """The items the user may read, newest logged first."""
    clause = readable_items_clause(user)
    total = int(
        db.session.scalar(sa.select(sa.func.count()).select_from(IntelligenceItem).where(clause))
        or 0
    )
    page = clamp_page(page, total, per_page)
    items = db.session.scalars(
        sa.select(IntelligenceItem)
        .where(clause)
        .options(selectinload(IntelligenceItem.themes), selectinload(IntelligenceItem.recipients))
        .order_by(IntelligenceItem.logged_at.desc(), IntelligenceItem.id.desc())
        .limit(per_page)
        .offset(page_offset(page, per_page))
    ).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)
