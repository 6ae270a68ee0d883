"""The provider concerns process: six stages, recorded forward only, and what the pages show.

The update meeting, being "if required", may be skipped. Closure records the outcome and
closes the concern. A stage may name the meeting it was decided at, and the process the
decision that started it. Concerns are not intelligence items: every signed-in user reads
them on provider pages (a chair writes their notes for the whole partnership, and the forms
say so). Every change is an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.concerns.fields import (
    MAX_NOTE,
    MAX_REASON,
    Errors,
    chosen_id,
    free_text,
    long_date,
    past_date,
)
from portal.config import labels
from portal.extensions import db
from portal.models import (
    ConcernStage,
    ConcernStatus,
    Decision,
    Meeting,
    Provider,
    ProviderConcern,
    ProviderConcernStage,
    User,
    meeting_agencies,
)
from portal.policy import Reader, can_read_meeting
from portal.unit_of_work import ValidationFailed

MEETING_CHOICES = 60

#: The stage that may be skipped: the seed's "update meeting (if required)".
OPTIONAL_STAGES = frozenset({ConcernStage.UPDATE_MEETING})
STAGE_ORDER: tuple[ConcernStage, ...] = tuple(ConcernStage)

NOTE_AUDIENCE = (
    "Everyone who can sign in to the portal can read this on the provider's page. Do not copy "
    "restricted intelligence (TLP:AMBER+STRICT or TLP:RED) into it."
)


def stage_label(stage: ConcernStage | str) -> str:
    """The stage's name from the taxonomy."""
    return labels("concern_stages").get(str(stage), str(stage))


def next_stages(current: ConcernStage | None) -> list[ConcernStage]:
    """The stages that may be recorded next: the next one, or past it if it is optional."""
    if current is None:
        return [ConcernStage.INITIATE]
    following: list[ConcernStage] = []
    for stage in STAGE_ORDER[STAGE_ORDER.index(current) + 1 :]:
        following.append(stage)
        if stage not in OPTIONAL_STAGES:
            break
    return following


# --- meetings and decisions a chair may link -----------------------------------------------


def _meetings_of(user: User) -> sa.ColumnElement[bool]:
    """SQL on Meeting: the meetings the user chairs or whose agencies include theirs."""
    invited = (
        sa.select(meeting_agencies.c.meeting_id)
        .where(meeting_agencies.c.agency_id == user.agency_id)
        .scalar_subquery()
    )
    return sa.or_(Meeting.chair_id == user.id, Meeting.id.in_(invited))


def meeting_choices(user: User) -> list[tuple[str, str]]:
    """Meetings a stage may be linked to, newest first, as (id, "date: title")."""
    rows = db.session.execute(
        sa.select(Meeting.id, Meeting.held_on, Meeting.title)
        .where(_meetings_of(user))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(MEETING_CHOICES)
    )
    return [(str(i), f"{long_date(held_on)}: {title}") for i, held_on, title in rows]


def decision_choices(user: User, provider_id: int) -> list[tuple[str, str]]:
    """Decisions about the provider at meetings of the user's, newest first."""
    rows = db.session.execute(
        sa.select(Decision.id, Meeting.held_on, Decision.text)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .where(Decision.provider_id == provider_id, _meetings_of(user))
        .order_by(Meeting.held_on.desc(), Decision.id.desc())
    )
    return [(str(i), f"{long_date(held_on)}: {_short(text)}") for i, held_on, text in rows]


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- starting the process and recording its stages -----------------------------------------


def open_concern_for(provider_id: int, today: date) -> ProviderConcern | None:
    """The provider's concern open today (ProviderConcern.open_on), if any."""
    return db.session.scalar(
        sa.select(ProviderConcern)
        .where(ProviderConcern.provider_id == provider_id, ProviderConcern.open_on(today))
        .order_by(ProviderConcern.id.desc())
        .limit(1)
    )


def _new_concern(
    user: User, provider: Provider, data: Mapping[str, Any], today: date, errors: Errors
) -> ProviderConcern | None:
    """The concern the form describes, with its first stage; None when a field is refused."""
    summary = free_text(
        data.get("summary"),
        "summary",
        "Summary",
        errors,
        MAX_REASON,
        "Enter a summary of the concern",
    )
    decided_on = past_date(
        data.get("occurred_on"), "occurred_on", "Date of the decision", errors, today
    )
    meeting_id = chosen_id(
        data.get("meeting_id"),
        meeting_choices(user),
        "meeting_id",
        "Choose a meeting from the list, or none",
        errors,
    )
    decision_id = chosen_id(
        data.get("decision_id"),
        decision_choices(user, provider.id),
        "decision_id",
        "Choose a decision about this provider from the list, or none",
        errors,
    )
    note = free_text(data.get("note"), "note", "Note", errors, MAX_NOTE)
    if errors or decided_on is None:
        return None
    if decision_id is not None and meeting_id is None:
        decision = db.session.get(Decision, decision_id)
        meeting_id = decision.meeting_id if decision is not None else None
    return ProviderConcern(
        provider_id=provider.id,
        summary=summary,
        opened_by_id=user.id,
        decision_id=decision_id,
        stages=[
            ProviderConcernStage(
                stage=ConcernStage.INITIATE,
                occurred_on=decided_on,
                note=note,
                recorded_by_id=user.id,
                meeting_id=meeting_id,
            )
        ],
    )


def start_concern(
    user: User, provider: Provider, data: Mapping[str, Any], today: date
) -> ProviderConcern:
    """Open the process with its first stage, the decision to initiate; ValidationFailed if not."""
    if open_concern_for(provider.id, today) is not None:
        raise ValidationFailed(
            {
                "summary": f"There is already an open provider concern about {provider.name}: "
                "record its next stage instead"
            }
        )
    errors: Errors = {}
    concern = _new_concern(user, provider, data, today, errors)
    if concern is None:
        raise ValidationFailed(errors)
    db.session.add(concern)
    try:
        db.session.flush()
    except IntegrityError:
        # Another chair opened one at the same moment (one open concern per provider).
        db.session.rollback()
        raise ValidationFailed(
            {"summary": f"Another chair has just opened a concern about {provider.name}"}
        ) from None
    first = concern.stages[0]
    audit.record(
        "concern-started",
        user=user,
        object_type="provider_concern",
        object_id=concern.id,
        provider_id=provider.id,
        decision_id=concern.decision_id,
        meeting_id=first.meeting_id,
        occurred_on=first.occurred_on.isoformat(),
    )
    return concern


@dataclass(frozen=True)
class _NextStage:
    """The next stage as the form gives it, every field accepted."""

    stage: ConcernStage
    occurred_on: date
    meeting_id: int | None
    note: str
    outcome: str


def _next_stage(
    user: User,
    current: ProviderConcernStage | None,
    data: Mapping[str, Any],
    today: date,
    errors: Errors,
) -> _NextStage | None:
    """The stage the form records after `current`; None when a field is refused."""
    allowed = next_stages(current.stage if current else None)
    raw_stage = data.get("stage")
    stage = next((s for s in allowed if str(s) == raw_stage), None)
    if stage is None:
        names = " or ".join(stage_label(s).lower() for s in allowed)
        errors["stage"] = f"Choose the stage reached: {names}"
    occurred_on = past_date(
        data.get("occurred_on"), "occurred_on", "Date of the stage", errors, today
    )
    if occurred_on is not None and current is not None and occurred_on < current.occurred_on:
        errors["occurred_on"] = (
            f"Date of the stage must be on or after the previous stage "
            f"({long_date(current.occurred_on)})"
        )
    meeting_id = chosen_id(
        data.get("meeting_id"),
        meeting_choices(user),
        "meeting_id",
        "Choose a meeting from the list, or none",
        errors,
    )
    note = free_text(data.get("note"), "note", "Note", errors, MAX_NOTE)
    outcome = ""
    if stage is ConcernStage.CLOSURE:
        outcome = free_text(
            data.get("outcome"),
            "outcome",
            "Outcome",
            errors,
            MAX_NOTE,
            "Enter the outcome of the provider concerns process",
        )
    if errors or stage is None or occurred_on is None:
        return None
    return _NextStage(stage, occurred_on, meeting_id, note, outcome)


def record_stage(
    user: User, concern: ProviderConcern, data: Mapping[str, Any], today: date
) -> None:
    """Record the concern's next stage (closure closes it with its outcome); ValidationFailed if not."""
    errors: Errors = {}
    current = concern.current_stage
    if not concern.is_open_on(today):
        raise ValidationFailed(
            {"stage": "This provider concern is closed: no more stages can be recorded"}
        )
    if str(data.get("after") or "") != (str(current.stage) if current else ""):
        raise ValidationFailed(
            {
                "stage": "Another chair has recorded a stage since you opened this page: "
                "check the stages below and choose again"
            }
        )
    given = _next_stage(user, current, data, today, errors)
    if given is None:
        raise ValidationFailed(errors)
    concern.stages.append(
        ProviderConcernStage(
            stage=given.stage,
            occurred_on=given.occurred_on,
            note=given.note,
            recorded_by_id=user.id,
            meeting_id=given.meeting_id,
        )
    )
    if given.stage is ConcernStage.CLOSURE:
        concern.status = ConcernStatus.CLOSED
        concern.closed_on = given.occurred_on
        concern.outcome = given.outcome
    audit.record(
        "concern-stage-recorded",
        user=user,
        object_type="provider_concern",
        object_id=concern.id,
        stage=str(given.stage),
        occurred_on=given.occurred_on.isoformat(),
        meeting_id=given.meeting_id,
    )
    try:
        db.session.flush()
    except IntegrityError:
        # Another chair recorded the same stage at the same moment: theirs stands.
        db.session.rollback()
        raise ValidationFailed(
            {"stage": "Another chair has just recorded this stage: check the stages below"}
        ) from None


# --- what the pages show -------------------------------------------------------------------


@dataclass(frozen=True)
class StageLine:
    """A stage as the pages list it."""

    label: str
    occurred_on: date
    meeting: str | None
    #: The meeting's id when the reader may open its page (portal.policy), else None: the
    #: page names the meeting without a link that would only refuse them.
    meeting_id: int | None
    note: str
    recorded_by: str


@dataclass
class ConcernView:
    """A provider concern with its stages, ready to show."""

    concern: ProviderConcern
    stages: list[StageLine]
    current: str | None
    next_labels: list[str]
    #: Whether the process is still running (ProviderConcern.is_open_on, today).
    is_open: bool
    # The meeting whose decision started the process. Its words stay in the minutes, which
    # only the meeting's agencies read; everyone else sees which meeting it was.
    decision_meeting: str | None
    #: Its id when the reader may open its page, as StageLine.meeting_id.
    decision_meeting_id: int | None


def load_concern(concern_id: int) -> ProviderConcern | None:
    """The concern with its provider, stages, their meetings and recorders (fixed queries)."""
    return db.session.scalar(
        sa.select(ProviderConcern)
        .where(ProviderConcern.id == concern_id)
        .options(
            selectinload(ProviderConcern.provider),
            selectinload(ProviderConcern.decision)
            .selectinload(Decision.meeting)
            .selectinload(Meeting.agencies),
            selectinload(ProviderConcern.stages)
            .selectinload(ProviderConcernStage.meeting)
            .selectinload(Meeting.agencies),
            selectinload(ProviderConcern.stages).selectinload(ProviderConcernStage.recorded_by),
        )
    )


def _meeting_to_link(reader: Reader, meeting: Meeting | None) -> int | None:
    """The meeting's id when the reader may open its page, else None."""
    return meeting.id if meeting is not None and can_read_meeting(reader, meeting) else None


def concern_view(concern: ProviderConcern, today: date, reader: Reader) -> ConcernView:
    """The concern as the pages show it to the reader on that day (open and stage by the
    model's rules; meetings linked only where the reader may open them)."""
    current = concern.stage_on(today)
    is_open = concern.is_open_on(today)
    meeting = concern.decision.meeting if concern.decision else None
    return ConcernView(
        concern=concern,
        stages=[
            StageLine(
                label=stage_label(s.stage),
                occurred_on=s.occurred_on,
                meeting=f"{s.meeting.title}, {long_date(s.meeting.held_on)}" if s.meeting else None,
                meeting_id=_meeting_to_link(reader, s.meeting),
                note=s.note,
                recorded_by=s.recorded_by.name,
            )
            for s in concern.stages
        ],
        current=stage_label(current.stage) if current else None,
        next_labels=[stage_label(s) for s in next_stages(current.stage if current else None)]
        if is_open
        else [],
        is_open=is_open,
        decision_meeting=f"{meeting.title}, {long_date(meeting.held_on)}" if meeting else None,
        decision_meeting_id=_meeting_to_link(reader, meeting),
    )


def concerns_about(provider_id: int, today: date, reader: Reader) -> list[ConcernView]:
    """Every provider concern about the provider, open today first, then newest (two queries)."""
    stages = selectinload(ProviderConcern.stages)
    concerns = db.session.scalars(
        sa.select(ProviderConcern)
        .where(ProviderConcern.provider_id == provider_id)
        .options(
            joinedload(ProviderConcern.decision).joinedload(Decision.meeting),
            stages.joinedload(ProviderConcernStage.meeting),
            stages.joinedload(ProviderConcernStage.recorded_by),
        )
        .order_by(
            sa.case((ProviderConcern.open_on(today), 0), else_=1),
            ProviderConcern.opened_at.desc(),
            ProviderConcern.id.desc(),
        )
    ).all()
    return [concern_view(c, today, reader) for c in concerns]
