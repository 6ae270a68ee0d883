"""The intelligence lists: "items I can read" and "my agency's items", filtered and paged.

Every list goes through ``readable_items_clause``; a page costs the same fixed
number of queries however much data there is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.config import labels
from portal.extensions import db
from portal.inputs import parse_id
from portal.intelligence.validation import clean_text, parse_date
from portal.models import Agency, IntelligenceItem, ItemTheme, KeyQuestion, Marking, Provider, User
from portal.paging import Page, clamp_page, page_offset
from portal.policy import readable_items_clause
from portal.providers.search import find_providers

MAX_PROVIDER_MATCHES = 50


@dataclass
class ListFilters:
    """What the reader asked the list to show; empty means any."""

    provider: str = ""
    provider_id: int | None = None
    key_question: str = ""
    theme: str = ""
    marking: str = ""
    agency: str = ""
    date_from: date | None = None
    date_to: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any(
            (self.provider, self.provider_id, self.key_question, self.theme, self.marking)
            + (self.agency, self.date_from, self.date_to)
        )


def read_filters(args: Mapping[str, str]) -> ListFilters:
    """The filters from the query string; unknown values are dropped, bad dates explained."""
    filters = ListFilters()
    filters.provider = clean_text(args.get("provider", ""))[:200]
    filters.provider_id = parse_id(args.get("provider_id", ""))
    key_question = args.get("key_question", "")
    filters.key_question = key_question if key_question in {k.value for k in KeyQuestion} else ""
    theme = args.get("theme", "")
    filters.theme = theme if theme in labels("themes") else ""
    marking = args.get("marking", "")
    filters.marking = marking if marking in {m.value for m in Marking} else ""
    filters.agency = clean_text(args.get("agency", ""))[:20].upper()
    for key, label in (("from", "The from date"), ("to", "The to date")):
        parts = {part: args.get(f"{key}_{part}", "") for part in ("day", "month", "year")}
        value = parse_date(parts, key, label, filters.errors)
        setattr(filters, f"date_{key}", value)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        filters.errors["to"] = "The to date must be the same as or after the from date"
        filters.date_to = None
    return filters


def agency_choices() -> list[tuple[str, str]]:
    """(code, name) of every agency, for the agency filter."""
    rows = db.session.execute(sa.select(Agency.code, Agency.name).order_by(Agency.name))
    return [(code, f"{name} ({code})") for code, name in rows]


def _provider_condition(filters: ListFilters) -> sa.ColumnElement[bool] | None:
    """Items about the provider asked for (by id, or by name, CQC ID or postcode)."""
    if filters.provider_id is not None:
        return IntelligenceItem.provider_id == filters.provider_id
    if not filters.provider:
        return None
    ids = [p.id for p in find_providers(filters.provider, limit=MAX_PROVIDER_MATCHES)]
    return IntelligenceItem.provider_id.in_(ids) if ids else sa.false()


def list_items(user: User, filters: ListFilters, page: int, per_page: int, mine: bool) -> Page:
    """A page of the items the user may read (of their own agency when `mine`), newest first."""
    item = IntelligenceItem
    conditions: list[sa.ColumnElement[bool]] = [readable_items_clause(user)]
    if mine:
        conditions.append(item.source_agency_id == user.agency_id)
    provider = _provider_condition(filters)
    if provider is not None:
        conditions.append(provider)
    if filters.key_question:
        conditions.append(item.key_question == KeyQuestion(filters.key_question))
    if filters.marking:
        conditions.append(item.marking == Marking(filters.marking))
    if filters.theme:
        conditions.append(
            sa.exists().where(ItemTheme.item_id == item.id, ItemTheme.theme == filters.theme)
        )
    if filters.agency and not mine:
        conditions.append(
            item.source_agency_id.in_(sa.select(Agency.id).where(Agency.code == filters.agency))
        )
    if filters.date_from:
        conditions.append(item.observed_on >= filters.date_from)
    if filters.date_to:
        conditions.append(item.observed_on <= filters.date_to)
    total = int(
        db.session.scalar(sa.select(sa.func.count()).select_from(item).where(*conditions)) or 0
    )
    page = clamp_page(page, total, per_page)
    rows = db.session.scalars(
        sa.select(item)
        .where(*conditions)
        .options(selectinload(item.themes), selectinload(item.recipients))
        .order_by(item.observed_on.desc(), item.logged_at.desc(), item.id.desc())
        .limit(per_page)
        .offset(page_offset(page, per_page))
    ).all()
    return Page(items=list(rows), total=total, page=page, per_page=per_page)


def filter_provider(filters: ListFilters) -> Provider | None:
    """The provider a provider_id filter names, to show which one is applied."""
    return db.session.get(Provider, filters.provider_id) if filters.provider_id else None


def query_args(filters: ListFilters) -> dict[str, Any]:
    """The filters as query-string arguments, for paging links that keep them."""
    args: dict[str, Any] = {
        "provider": filters.provider,
        "provider_id": filters.provider_id,
        "key_question": filters.key_question,
        "theme": filters.theme,
        "marking": filters.marking,
        "agency": filters.agency,
    }
    for key in ("from", "to"):
        value = getattr(filters, f"date_{key}")
        if value:
            args |= {
                f"{key}_day": value.day,
                f"{key}_month": value.month,
                f"{key}_year": value.year,
            }
    return {k: v for k, v in args.items() if v not in ("", None)}
