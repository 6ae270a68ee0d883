"""Intelligence items, their revisions, recipients, themes and attachments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Base
from portal.models.agency import Agency, User
from portal.models.base import (
    HandlingCode,
    IntelligenceAssessment,
    ItemStatus,
    KeyQuestion,
    Marking,
    SourceEvaluation,
    enum_column,
    utcnow,
)
from portal.models.provider import Provider
from portal.risk_bands import band_for


class IntelligenceItem(Base):
    """What an agency learnt about a provider; its current revision is held here."""

    __tablename__ = "intelligence_items"
    __table_args__ = (
        sa.CheckConstraint("likelihood BETWEEN 1 AND 5", name="likelihood_range"),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name="impact_range"),
        sa.Index("ix_intelligence_items_provider_observed", "provider_id", "observed_on"),
        # Every column the risk figures read (portal.risk, with the policy's condition), so
        # the dashboard's and the pack's grouped queries scan this narrow index instead of
        # the wide rows: an index-only scan on PostgreSQL once vacuumed, a covering index on
        # SQLite (whose planner otherwise picks the status index and reads every open row).
        sa.Index(
            "ix_intelligence_items_risk",
            "status",
            "observed_on",
            "marking",
            "provider_id",
            "likelihood",
            "impact",
            "key_question",
            "source_agency_id",
            "author_id",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"))
    source_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    observed_on: Mapped[date] = mapped_column(index=True)
    logged_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    key_question: Mapped[KeyQuestion] = mapped_column(enum_column(KeyQuestion), index=True)
    likelihood: Mapped[int]
    impact: Mapped[int]
    source_evaluation: Mapped[SourceEvaluation] = mapped_column(enum_column(SourceEvaluation))
    intelligence_assessment: Mapped[IntelligenceAssessment] = mapped_column(
        enum_column(IntelligenceAssessment)
    )
    handling_code: Mapped[HandlingCode] = mapped_column(enum_column(HandlingCode))
    handling_conditions: Mapped[str] = mapped_column(sa.Text, default="")
    marking: Mapped[Marking] = mapped_column(enum_column(Marking), index=True)
    status: Mapped[ItemStatus] = mapped_column(
        enum_column(ItemStatus), default=ItemStatus.OPEN, index=True
    )
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)
    revision_count: Mapped[int] = mapped_column(default=1)

    provider: Mapped[Provider] = relationship(lazy="joined")
    source_agency: Mapped[Agency] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    themes: Mapped[list[ItemTheme]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin"
    )
    recipients: Mapped[list[ItemRecipient]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin"
    )
    revisions: Mapped[list[IntelligenceRevision]] = relationship(
        back_populates="item", order_by="IntelligenceRevision.number"
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="item")

    @property
    def score(self) -> int:
        """Likelihood x impact, 1-25."""
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        """The risk band of the score (low, moderate, high, extreme)."""
        return str(band_for(self.score))

    @property
    def marking_value(self) -> str:
        """The marking as text: CLEAR, GREEN, AMBER, AMBER+STRICT or RED."""
        return Marking(self.marking).value

    @property
    def key_question_label(self) -> str:
        """The key question as people read it."""
        return KeyQuestion(self.key_question).label

    @property
    def theme_codes(self) -> list[str]:
        """The item's theme codes, sorted."""
        return sorted(t.theme for t in self.themes)

    @property
    def recipient_ids(self) -> set[int]:
        """Ids of the users named as recipients (used for TLP:RED)."""
        return {r.user_id for r in self.recipients}

    def snapshot(self) -> dict[str, Any]:
        """The editable fields as plain values, as a revision records them."""
        return {
            "provider_id": self.provider_id,
            "observed_on": self.observed_on.isoformat(),
            "title": self.title,
            "body": self.body,
            "key_question": str(self.key_question),
            "themes": self.theme_codes,
            "likelihood": self.likelihood,
            "impact": self.impact,
            "source_evaluation": str(self.source_evaluation),
            "intelligence_assessment": str(self.intelligence_assessment),
            "handling_code": str(self.handling_code),
            "handling_conditions": self.handling_conditions,
            "marking": str(self.marking),
            "recipient_ids": sorted(self.recipient_ids),
            "status": str(self.status),
        }

    def __repr__(self) -> str:
        return f"<IntelligenceItem {self.id} {self.marking}>"


class ItemTheme(Base):
    """A theme (code from the taxonomy) an item is about."""

    __tablename__ = "item_themes"

    item_id: Mapped[int] = mapped_column(sa.ForeignKey("intelligence_items.id"), primary_key=True)
    theme: Mapped[str] = mapped_column(sa.String(50), primary_key=True, index=True)

    item: Mapped[IntelligenceItem] = relationship(back_populates="themes")


class ItemRecipient(Base):
    """A user named as a recipient of a TLP:RED item."""

    __tablename__ = "item_recipients"

    item_id: Mapped[int] = mapped_column(sa.ForeignKey("intelligence_items.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)

    item: Mapped[IntelligenceItem] = relationship(back_populates="recipients")
    user: Mapped[User] = relationship()


class IntelligenceRevision(Base):
    """One saved version of an item; every edit adds one and none is removed."""

    __tablename__ = "intelligence_revisions"
    __table_args__ = (sa.UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("intelligence_items.id"))
    number: Mapped[int]
    edited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    edited_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # The item's editable fields as they stood after this edit (IntelligenceItem.snapshot).
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    item: Mapped[IntelligenceItem] = relationship(back_populates="revisions")
    edited_by: Mapped[User] = relationship()


class Blob(Base):
    """File content kept in the database by its SHA-256, shared by every server."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A file attached to an item; the content is a Blob."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("intelligence_items.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("blobs.sha256"))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[IntelligenceItem] = relationship(back_populates="attachments")
