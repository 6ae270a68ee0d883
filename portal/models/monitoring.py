"""The council's own monitoring: electronic care monitoring visit logs and contract visits."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Base
from portal.models.agency import Agency, User
from portal.models.base import Marking, enum_column, utcnow
from portal.models.intelligence import IntelligenceItem
from portal.models.provider import Provider


class CareVisit(Base):
    """One home-care visit from an electronic care monitoring (ECM) log.

    Keyed by supplier and the supplier's visit ID, so a re-imported or overlapping file
    updates a visit instead of counting it twice. The measures need no date arithmetic in
    SQL: the import stores the planned month, the delay before the carer started and the
    time they stayed, in seconds (null for a missed visit).
    """

    __tablename__ = "care_visits"
    __table_args__ = (
        sa.UniqueConstraint("supplier", "visit_ref"),
        sa.Index("ix_care_visits_provider_month", "provider_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier: Mapped[str] = mapped_column(sa.String(50))
    visit_ref: Mapped[str] = mapped_column(sa.String(100))
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"))
    month: Mapped[str] = mapped_column(sa.String(7))  # YYYY-MM of the planned start
    planned_start: Mapped[datetime]
    planned_minutes: Mapped[int]
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]
    start_delay_seconds: Mapped[int | None]
    actual_seconds: Mapped[int | None]
    source_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    marking: Mapped[Marking] = mapped_column(enum_column(Marking))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class CareMonitoringAlert(Base):
    """The intelligence item raised when a provider's month crossed the threshold (once)."""

    __tablename__ = "care_monitoring_alerts"
    __table_args__ = (sa.UniqueConstraint("provider_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"))
    month: Mapped[str] = mapped_column(sa.String(7))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("intelligence_items.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[IntelligenceItem] = relationship()


class VisitType(enum.StrEnum):
    """How a contract monitoring visit was made."""

    ANNOUNCED = "announced"
    UNANNOUNCED = "unannounced"
    DESKTOP = "desktop review"


class FindingResult(enum.StrEnum):
    """A finding against one principle of care."""

    MET = "met"
    PARTLY_MET = "partly met"
    NOT_MET = "not met"
    NOT_SEEN = "not seen"


class OverallJudgement(enum.StrEnum):
    """The officer's overall judgement of the visit."""

    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires improvement"
    POOR = "poor"


class ContractVisit(Base):
    """A council officer's contract monitoring visit to a provider."""

    __tablename__ = "contract_visits"
    __table_args__ = (sa.Index("ix_contract_visits_provider_visited", "provider_id", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    visited_on: Mapped[date]
    visit_type: Mapped[VisitType] = mapped_column(enum_column(VisitType))
    # Who was spoken to: codes from the taxonomy's visit_contacts, comma-separated, sorted.
    spoke_to: Mapped[str] = mapped_column(sa.String(200), default="")
    overall: Mapped[OverallJudgement] = mapped_column(enum_column(OverallJudgement))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    marking: Mapped[Marking] = mapped_column(enum_column(Marking))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship(lazy="joined")
    agency: Mapped[Agency] = relationship(lazy="joined")
    author: Mapped[User] = relationship()
    findings: Mapped[list[VisitFinding]] = relationship(
        back_populates="visit",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="VisitFinding.position",
    )

    @property
    def spoke_to_codes(self) -> list[str]:
        """The codes of who was spoken to."""
        return [code for code in self.spoke_to.split(",") if code]


class VisitFinding(Base):
    """The finding for one principle of care on one visit, with its evidence."""

    __tablename__ = "contract_visit_findings"

    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("contract_visits.id"), primary_key=True)
    principle: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    position: Mapped[int]
    result: Mapped[FindingResult] = mapped_column(enum_column(FindingResult))
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    # The intelligence item a "not met" finding became.
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("intelligence_items.id"))

    visit: Mapped[ContractVisit] = relationship(back_populates="findings")
    item: Mapped[IntelligenceItem | None] = relationship()
