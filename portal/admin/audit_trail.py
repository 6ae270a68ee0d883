"""The audit trail: for administrators filtered, paged and exported as streamed CSV with only
the details audit.SHOWN allows; for the server's operator (`portal audit export`) complete."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal import audit
from portal.audit import EVENTS
from portal.exports import csv_line
from portal.extensions import db
from portal.models import Agency, AuditEvent, User
from portal.paging import Page, clamp_page, page_offset

CSV_COLUMNS = [
    "id",
    "occurred_at",
    "action",
    "user_email",
    "agency",
    "object_type",
    "object_id",
    "ip_address",
    "data",
]
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class AuditFilters:
    """What the trail is narrowed to; every part optional."""

    user_email: str = ""
    agency_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def query_args(self) -> dict[str, str]:
        """The filters as the page's query string."""
        args = {
            "user": self.user_email,
            "agency": str(self.agency_id or ""),
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in args.items() if v}


def actions() -> list[str]:
    """Every action the trail can hold, for the filter."""
    return sorted(EVENTS)


def object_types() -> list[str]:
    """The kinds of object events have named."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent.object_type)
            .where(AuditEvent.object_type.is_not(None))
            .distinct()
            .order_by(AuditEvent.object_type)
        )
    )


def _conditions(filters: AuditFilters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.user_email:
        ids = sa.select(User.id).where(User.email == filters.user_email.strip().lower())
        conditions.append(AuditEvent.user_id.in_(ids))
    if filters.agency_id is not None:
        conditions.append(AuditEvent.agency_id == filters.agency_id)
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.object_type:
        conditions.append(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        conditions.append(AuditEvent.object_id == filters.object_id)
    if filters.date_from:
        conditions.append(AuditEvent.occurred_at >= datetime.combine(filters.date_from, time()))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time())
        conditions.append(AuditEvent.occurred_at < end)
    return conditions


@dataclass(frozen=True)
class EventRow:
    """An event with the names a person reads, and the details an administrator may see."""

    event: AuditEvent
    user_email: str
    agency_code: str

    @property
    def details(self) -> dict[str, object]:
        """The event's data narrowed to audit.SHOWN: never what was searched, found or read."""
        return audit.shown_data(self.event.action, self.event.data)


def _select(filters: AuditFilters) -> sa.Select[AuditEvent, str | None, str | None]:
    return (
        sa.select(AuditEvent, User.email, Agency.code)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Agency, Agency.id == AuditEvent.agency_id)
        .where(*_conditions(filters))
        .order_by(AuditEvent.id.desc())
    )


def events(filters: AuditFilters, page: int, per_page: int) -> Page:
    """The matching events, newest first, one page of them."""
    total = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(*_conditions(filters))
        )
        or 0
    )
    page = clamp_page(page, total, per_page)
    rows = db.session.execute(_select(filters).offset(page_offset(page, per_page)).limit(per_page))
    return Page(
        [EventRow(event, email or "", code or "") for event, email, code in rows],
        total,
        page,
        per_page,
    )


def _shown(event: AuditEvent) -> dict[str, object]:
    return audit.shown_data(event.action, event.data)


def _complete(event: AuditEvent) -> dict[str, object]:
    return dict(event.data or {})


def export_lines(
    filters: AuditFilters, details: Callable[[AuditEvent], dict[str, object]] = _shown
) -> Iterator[str]:
    """The matching events as CSV lines, read from the database in batches (keyset paging);
    `details` picks each event's data (by default only what audit.SHOWN allows)."""
    yield csv_line(CSV_COLUMNS)
    last_id: int | None = None
    while True:
        query = _select(filters).limit(EXPORT_BATCH)
        if last_id is not None:
            query = query.where(AuditEvent.id < last_id)
        batch = db.session.execute(query).all()
        for event, email, code in batch:
            yield csv_line(
                [
                    event.id,
                    event.occurred_at.isoformat(timespec="seconds"),
                    event.action,
                    email or "",
                    code or "",
                    event.object_type or "",
                    event.object_id or "",
                    event.ip_address or "",
                    json.dumps(details(event), sort_keys=True, ensure_ascii=False, default=str),
                ]
            )
        if len(batch) < EXPORT_BATCH:
            return
        last_id = batch[-1][0].id


def complete_export_lines(filters: AuditFilters) -> Iterator[str]:
    """Every matching event with all its data: for the server's operator only (the CLI)."""
    return export_lines(filters, _complete)


def count(filters: AuditFilters) -> int:
    """How many events match."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(*_conditions(filters))
        )
        or 0
    )
