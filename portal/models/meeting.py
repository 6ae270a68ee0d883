"""Monthly meetings, their issued packs, discussions, decisions and actions."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Base, db
from portal.models.agency import Agency, User
from portal.models.base import ActionStatus, MeetingStatus, enum_column, utcnow
from portal.models.provider import Provider

meeting_agencies = sa.Table(
    "meeting_agencies",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meetings.id"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True),
)


class Meeting(Base):
    """The Joint Intelligence Group's monthly meeting."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    chair_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus), default=MeetingStatus.PLANNED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    chair: Mapped[User] = relationship()
    agencies: Mapped[list[Agency]] = relationship(secondary=meeting_agencies)
    packs: Mapped[list[MeetingPack]] = relationship(
        back_populates="meeting", order_by="MeetingPack.version"
    )
    added_providers: Mapped[list[MeetingProvider]] = relationship(back_populates="meeting")
    discussions: Mapped[list[Discussion]] = relationship(back_populates="meeting")
    decisions: Mapped[list[Decision]] = relationship(back_populates="meeting")
    actions: Mapped[list[Action]] = relationship(back_populates="meeting")


class MeetingProvider(Base):
    """A provider the chair added to a meeting's discussion list by hand."""

    __tablename__ = "meeting_providers"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="added_providers")
    provider: Mapped[Provider] = relationship()


class MeetingPack(Base):
    """An issued, frozen meeting pack; re-issuing adds a version."""

    __tablename__ = "meeting_packs"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"))
    version: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    pdf_sha256: Mapped[str] = mapped_column(sa.ForeignKey("blobs.sha256"))
    # The HTML as issued, so the frozen pack can be read in the browser too.
    html: Mapped[str] = mapped_column(sa.Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="packs")
    issued_by: Mapped[User] = relationship()


class Discussion(Base):
    """What the meeting said about one provider."""

    __tablename__ = "discussions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    notes: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="discussions")
    provider: Mapped[Provider] = relationship()


class Decision(Base):
    """A decision the meeting took about one provider."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
    provider: Mapped[Provider] = relationship()


class Action(Base):
    """An action agreed at a meeting; it carries over to later packs until closed."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    owner_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    due_on: Mapped[date | None]
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus), default=ActionStatus.OPEN, index=True
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closing_note: Mapped[str] = mapped_column(sa.Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="actions")
    provider: Mapped[Provider | None] = relationship()
    owner_agency: Mapped[Agency] = relationship()
