"""Monthly meetings, their issued packs, discussions, decisions and actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
    # Once the chair approves the minutes they are read-only, and their PDF is kept.
    minutes_approved_at: Mapped[datetime | None]
    minutes_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    minutes_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("blobs.sha256"))

    chair: Mapped[User] = relationship(foreign_keys=[chair_id])
    agencies: Mapped[list[Agency]] = relationship(secondary=meeting_agencies)
    attendees: Mapped[list[MeetingAttendee]] = relationship(
        back_populates="meeting", order_by="MeetingAttendee.id"
    )
    packs: Mapped[list[MeetingPack]] = relationship(
        back_populates="meeting", order_by="MeetingPack.version"
    )
    agenda_entries: Mapped[list[MeetingProvider]] = relationship(back_populates="meeting")
    discussions: Mapped[list[Discussion]] = relationship(back_populates="meeting")
    decisions: Mapped[list[Decision]] = relationship(back_populates="meeting")
    actions: Mapped[list[Action]] = relationship(back_populates="meeting")

    # Where the meeting has got to: the one rule every page, document and the API reads.
    # Held means its day is past, or the chair has recorded what it said; from then on its
    # agenda is frozen. Minutes may be approved on or after its day, and are then final.

    @property
    def minutes_approved(self) -> bool:
        """Whether the chair has approved the minutes (they are then read-only)."""
        return self.minutes_approved_at is not None

    def is_held(self, today: date) -> bool:
        """Whether the meeting has taken place by that day (same rule as held_by)."""
        return (
            self.held_on < today
            or self.minutes_approved
            or self.status in (MeetingStatus.HELD, MeetingStatus.MINUTES_APPROVED)
        )

    @classmethod
    def held_by(cls, today: date) -> sa.ColumnElement[bool]:
        """SQL: the meeting has taken place by that day (the same rule as is_held)."""
        return sa.or_(
            cls.held_on < today,
            cls.minutes_approved_at.is_not(None),
            cls.status.in_((MeetingStatus.HELD, MeetingStatus.MINUTES_APPROVED)),
        )

    def minutes_due(self, today: date) -> bool:
        """Whether the meeting is held and its minutes still wait for approval."""
        return self.is_held(today) and not self.minutes_approved

    @classmethod
    def minutes_due_by(cls, today: date) -> sa.ColumnElement[bool]:
        """SQL: held by that day and the minutes not approved (the same rule as minutes_due)."""
        return sa.and_(cls.held_by(today), cls.minutes_approved_at.is_(None))

    def minutes_may_be_approved(self, today: date) -> bool:
        """Minutes are approved on or after the meeting's day, and only once."""
        return self.held_on <= today and not self.minutes_approved

    def stage_on(self, today: date) -> MeetingStatus:
        """Planned, pack issued, held or minutes approved, as of that day (see stage_by)."""
        if self.minutes_approved:
            return MeetingStatus.MINUTES_APPROVED
        if self.is_held(today):
            return MeetingStatus.HELD
        if self.status is MeetingStatus.PACK_ISSUED:
            return MeetingStatus.PACK_ISSUED
        return MeetingStatus.PLANNED

    @classmethod
    def stage_by(cls, today: date) -> sa.ColumnElement[str]:
        """SQL: the stage's value as of that day (the same rule as stage_on)."""
        return sa.case(
            (cls.minutes_approved_at.is_not(None), MeetingStatus.MINUTES_APPROVED.value),
            (cls.held_by(today), MeetingStatus.HELD.value),
            (cls.status == MeetingStatus.PACK_ISSUED, MeetingStatus.PACK_ISSUED.value),
            else_=MeetingStatus.PLANNED.value,
        )


class MeetingProvider(Base):
    """The chair's word on one provider's place on a meeting's agenda.

    `added` marks a provider the chair added by hand (with `reason`); a proposed provider
    gets a row only when the chair removes it (`removed_reason`) or reorders the agenda
    (`position`, lowest first; providers without one follow in risk order).
    """

    __tablename__ = "meeting_providers"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), primary_key=True)
    added: Mapped[bool] = mapped_column(default=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    position: Mapped[int | None]
    # The chair's choice of list: "discussion" or "noting"; None leaves it to the rules.
    listed_for: Mapped[str | None] = mapped_column(sa.String(20))
    removed_reason: Mapped[str | None] = mapped_column(sa.Text)
    removed_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_entries")
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
    # What the version held, to say what changed in the next: [{"provider_id", "name",
    # "reason"}] in agenda order, and the ids of the new items it showed.
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    item_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    pages: Mapped[int] = mapped_column(default=0)
    # Whether the chair asked for the items' full texts in an appendix when issuing.
    appendix: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Why a version issued after the meeting was held was needed: it is then a correction.
    correction_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The job that issued it (portal.meetings.pack_jobs): unique, so a job run again after its
    # worker was killed finds its version instead of issuing another.
    job_id: Mapped[str | None] = mapped_column(sa.ForeignKey("jobs.id"), unique=True)

    meeting: Mapped[Meeting] = relationship(back_populates="packs")
    issued_by: Mapped[User] = relationship()


class MeetingAttendee(Base):
    """Someone who attended a meeting, for an agency."""

    __tablename__ = "meeting_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    name: Mapped[str] = mapped_column(sa.String(200))

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    agency: Mapped[Agency] = relationship()


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
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closing_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The day the owner agency was reminded that the action fell overdue (once).
    overdue_reminded_on: Mapped[date | None]

    meeting: Mapped[Meeting] = relationship(back_populates="actions")
    provider: Mapped[Provider | None] = relationship()
    owner_agency: Mapped[Agency] = relationship()

    # Open, done, dropped and overdue: the one rule the dashboard, the actions page, the
    # pack's action log, the minutes and the API read.

    @property
    def is_open(self) -> bool:
        """Whether the action still carries over to later packs."""
        return self.status is ActionStatus.OPEN

    @classmethod
    def open_clause(cls) -> sa.ColumnElement[bool]:
        """SQL: the action is open (the same rule as is_open)."""
        return cls.status == ActionStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        """Open, with a due date before that day (the same rule as overdue_on)."""
        return self.is_open and self.due_on is not None and self.due_on < today

    @classmethod
    def overdue_on(cls, today: date) -> sa.ColumnElement[bool]:
        """SQL: open with a due date before that day (the same rule as is_overdue)."""
        return sa.and_(cls.open_clause(), cls.due_on.is_not(None), cls.due_on < today)
