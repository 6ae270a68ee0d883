"""The append-only audit trail and the search change log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Base
from portal.models.base import utcnow


class AuditEvent(Base):
    """Something that happened and must be accountable; never edited or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(sa.String(50), index=True)
    # Null when nobody was signed in (a failed sign-in, say).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(50))
    object_id: Mapped[str | None] = mapped_column(sa.String(50))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)


class SearchChange(Base):
    """A row per change to a searchable record, written in the change's own transaction."""

    __tablename__ = "search_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(20))
    entity_id: Mapped[int]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
