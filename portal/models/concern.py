"""Provider concerns (the six-stage process) and embargoes on placements.

Concern stages move forward only: each stage is recorded at most once per concern (the
"update meeting" stage may be skipped). An embargo is in force from its start to its planned
end (if any), unless a chair lifts it sooner: ``Embargo.in_force_on`` gives the rule in SQL,
``Embargo.is_active`` in Python, and every list uses one or the other.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Base
from portal.models.agency import User
from portal.models.base import ConcernStage, ConcernStatus, enum_column, utcnow
from portal.models.meeting import Decision, Meeting
from portal.models.provider import Provider


class ProviderConcern(Base):
    """A run of the provider concerns process about one provider."""

    __tablename__ = "provider_concerns"
    # One open concern per provider, even when two chairs start one at the same moment.
    __table_args__ = (
        sa.Index(
            "uq_provider_concerns_one_open",
            "provider_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    summary: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ConcernStatus] = mapped_column(
        enum_column(ConcernStatus), default=ConcernStatus.OPEN, index=True
    )
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_on: Mapped[date | None]
    # The meeting decision the process was started from, when it was started from one.
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"), index=True)
    # Recorded with the closure stage: what the process concluded.
    outcome: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    provider: Mapped[Provider] = relationship()
    opened_by: Mapped[User] = relationship()
    decision: Mapped[Decision | None] = relationship()
    stages: Mapped[list[ProviderConcernStage]] = relationship(
        back_populates="concern",
        order_by="ProviderConcernStage.occurred_on, ProviderConcernStage.id",
        lazy="selectin",
    )

    @property
    def current_stage(self) -> ProviderConcernStage | None:
        """The latest stage recorded."""
        return self.stages[-1] if self.stages else None

    # Open on a day, and its stage that day: the one rule the provider page, the dashboard,
    # the agenda, the pack, the minutes and the API read.

    def is_open_on(self, on: date) -> bool:
        """Whether the concern had been opened and not yet closed on that day (see open_on)."""
        return self.opened_at.date() <= on and (
            self.status is ConcernStatus.OPEN
            or (self.closed_on is not None and self.closed_on > on)
        )

    @classmethod
    def open_on(cls, on: date) -> sa.ColumnElement[bool]:
        """SQL: opened by that day and not closed by it (the same rule as is_open_on)."""
        return sa.and_(
            cls.opened_at < datetime.combine(on + timedelta(days=1), time.min),
            sa.or_(
                cls.status == ConcernStatus.OPEN,
                sa.and_(cls.closed_on.is_not(None), cls.closed_on > on),
            ),
        )

    def stage_on(self, on: date) -> ProviderConcernStage | None:
        """The latest stage recorded on or before that day."""
        reached = [s for s in self.stages if s.occurred_on <= on]
        return reached[-1] if reached else None


class ProviderConcernStage(Base):
    """One stage of a provider concern: when it happened and what was noted."""

    __tablename__ = "provider_concern_stages"
    __table_args__ = (sa.UniqueConstraint("concern_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(sa.ForeignKey("provider_concerns.id"), index=True)
    stage: Mapped[ConcernStage] = mapped_column(enum_column(ConcernStage, length=30))
    occurred_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The meeting at which the stage happened, when there was one in the portal.
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"), index=True)

    concern: Mapped[ProviderConcern] = relationship(back_populates="stages")
    recorded_by: Mapped[User] = relationship()
    meeting: Mapped[Meeting | None] = relationship()


class Embargo(Base):
    """A stop on new placements with a provider."""

    __tablename__ = "embargoes"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Lifting: placements may resume from lifted_on (the embargo is not in force that day).
    lifted_on: Mapped[date | None]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lift_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The e-mail addresses of the boroughs' contacts: the notice of the embargo, and of its
    # lifting, is e-mailed to each (portal.mail.triggers.embargo_notice).
    notice_contacts: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")

    provider: Mapped[Provider] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])
    notices: Mapped[list[EmbargoNotice]] = relationship(
        back_populates="embargo",
        lazy="selectin",
        order_by="EmbargoNotice.notified_on, EmbargoNotice.id",
    )

    def is_active(self, on: date) -> bool:
        """Whether the embargo stops placements on that day."""
        return (
            self.starts_on <= on
            and (self.ends_on is None or on <= self.ends_on)
            and (self.lifted_on is None or on < self.lifted_on)
        )

    @property
    def lifted(self) -> bool:
        """Whether a chair has lifted the embargo."""
        return self.lifted_on is not None

    def is_over(self, on: date) -> bool:
        """Whether the embargo can stop no more placements: lifted, or past its end."""
        return self.lifted or (self.ends_on is not None and self.ends_on < on)

    @classmethod
    def in_force_on(cls, on: date) -> sa.ColumnElement[bool]:
        """SQL: the embargo stops placements on that day (the same rule as is_active)."""
        return sa.and_(
            cls.starts_on <= on,
            sa.or_(cls.ends_on.is_(None), cls.ends_on >= on),
            sa.or_(cls.lifted_on.is_(None), cls.lifted_on > on),
        )

    @classmethod
    def not_over_on(cls, on: date) -> sa.ColumnElement[bool]:
        """SQL: the embargo is in force or still to come on that day (neither lifted nor ended)."""
        return sa.and_(cls.lifted_on.is_(None), sa.or_(cls.ends_on.is_(None), cls.ends_on >= on))


class EmbargoNotice(Base):
    """A borough told of an embargo, and when."""

    __tablename__ = "embargo_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    embargo_id: Mapped[int] = mapped_column(sa.ForeignKey("embargoes.id"), index=True)
    borough: Mapped[str] = mapped_column(sa.String(100))
    notified_on: Mapped[date]
    # Whether the borough was told of the lifting (else of the embargo itself).
    about_lifting: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None]

    embargo: Mapped[Embargo] = relationship(back_populates="notices")
