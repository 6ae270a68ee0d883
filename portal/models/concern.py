"""Provider concerns (the six-stage process) and embargoes on placements."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Base
from portal.models.agency import User
from portal.models.base import ConcernStage, ConcernStatus, enum_column, utcnow
from portal.models.provider import Provider


class ProviderConcern(Base):
    """A run of the provider concerns process about one provider."""

    __tablename__ = "provider_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    summary: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ConcernStatus] = mapped_column(
        enum_column(ConcernStatus), default=ConcernStatus.OPEN, index=True
    )
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_on: Mapped[date | None]

    provider: Mapped[Provider] = relationship()
    opened_by: Mapped[User] = relationship()
    stages: Mapped[list[ProviderConcernStage]] = relationship(
        back_populates="concern",
        order_by="ProviderConcernStage.occurred_on, ProviderConcernStage.id",
        lazy="selectin",
    )

    @property
    def current_stage(self) -> ProviderConcernStage | None:
        """The latest stage recorded."""
        return self.stages[-1] if self.stages else None


class ProviderConcernStage(Base):
    """One stage of a provider concern: when it happened and what was noted."""

    __tablename__ = "provider_concern_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(sa.ForeignKey("provider_concerns.id"), index=True)
    stage: Mapped[ConcernStage] = mapped_column(enum_column(ConcernStage, length=30))
    occurred_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    concern: Mapped[ProviderConcern] = relationship(back_populates="stages")


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

    provider: Mapped[Provider] = relationship()
    notices: Mapped[list[EmbargoNotice]] = relationship(
        back_populates="embargo", lazy="selectin", order_by="EmbargoNotice.notified_on"
    )

    def is_active(self, on: date) -> bool:
        """Whether the embargo stops placements on that day."""
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


class EmbargoNotice(Base):
    """A borough told of an embargo, and when."""

    __tablename__ = "embargo_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    embargo_id: Mapped[int] = mapped_column(sa.ForeignKey("embargoes.id"), index=True)
    borough: Mapped[str] = mapped_column(sa.String(100))
    notified_on: Mapped[date]

    embargo: Mapped[Embargo] = relationship(back_populates="notices")
