"""Shared column helpers and enumerations used across the aggregates."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow() -> datetime:
    """Now in UTC, naive, as every timestamp is stored (SQLite keeps no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_column(enum_cls: type[enum.Enum], length: int = 20) -> sa.Enum:
    """A portable enum column storing the member's value as text."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class AgencyKind(enum.StrEnum):
    """What sort of organisation a partner agency is."""

    COUNCIL = "council"
    CQC = "cqc"
    NHS = "nhs"
    POLICE = "police"
    HEALTHWATCH = "healthwatch"
    OTHER = "other"


class Role(enum.StrEnum):
    """A user's one role."""

    VIEWER = "viewer"
    MEMBER = "member"
    CHAIR = "chair"
    ADMIN = "admin"


class KeyQuestion(enum.StrEnum):
    """CQC's five key questions."""

    SAFE = "safe"
    EFFECTIVE = "effective"
    CARING = "caring"
    RESPONSIVE = "responsive"
    WELL_LED = "well-led"

    @property
    def label(self) -> str:
        """The name people read."""
        return "Well-led" if self is KeyQuestion.WELL_LED else self.value.capitalize()


class Rating(enum.StrEnum):
    """CQC's four ratings."""

    OUTSTANDING = "Outstanding"
    GOOD = "Good"
    REQUIRES_IMPROVEMENT = "Requires improvement"
    INADEQUATE = "Inadequate"


class RatingDomain(enum.StrEnum):
    """What a CQC rating rates: the whole service or one key question."""

    OVERALL = "overall"
    SAFE = "safe"
    EFFECTIVE = "effective"
    CARING = "caring"
    RESPONSIVE = "responsive"
    WELL_LED = "well-led"


class Marking(enum.StrEnum):
    """TLP 2.0 sharing markings."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"

    @property
    def label(self) -> str:
        """The marking as written on the page: TLP:AMBER+STRICT."""
        return f"TLP:{self.value}"


class ItemStatus(enum.StrEnum):
    """An intelligence item is open until withdrawn; nothing is deleted."""

    OPEN = "open"
    WITHDRAWN = "withdrawn"


class SourceEvaluation(enum.StrEnum):
    """3x5x2 grading: how reliable the source is."""

    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"


class IntelligenceAssessment(enum.StrEnum):
    """3x5x2 grading: how far the information itself can be trusted."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class HandlingCode(enum.StrEnum):
    """3x5x2 grading: may it be shared on, and on what conditions."""

    PERMITTED = "P"
    CONDITIONS = "C"


class MeetingStatus(enum.StrEnum):
    """Where a monthly meeting has got to."""

    PLANNED = "planned"
    PACK_ISSUED = "pack issued"
    HELD = "held"
    MINUTES_APPROVED = "minutes approved"


class ActionStatus(enum.StrEnum):
    """An action carries over to later packs while open; done or dropped closes it."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class ConcernStage(enum.StrEnum):
    """The six stages of the provider concerns process."""

    INITIATE = "initiate"
    INITIAL_MEETING = "initial-meeting"
    FINDINGS_MEETING = "findings-meeting"
    UPDATE_MEETING = "update-meeting"
    QUALITY_ASSURANCE = "quality-assurance"
    CLOSURE = "closure"


class ConcernStatus(enum.StrEnum):
    """A provider concern is open until its closure stage is recorded."""

    OPEN = "open"
    CLOSED = "closed"
