"""Provider concerns and embargoes: the rules chairs work by, and what the pages show.

The six stages of the provider concerns process move forward only; the update meeting,
being "if required", may be skipped. Closure records the outcome and closes the concern.
An embargo is placed with a start, an optional planned end and a reason; a chair may lift it
sooner. The notice to other boroughs is a printed document (portal.pdf), and each borough
told is recorded. Every change is an audit event.

Concerns and embargoes are not intelligence items: every signed-in user sees them on
provider pages (a chair writes their notes for the whole partnership, and the forms say so).
Each function checks its input in one place and answers one message per bad field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.config import labels, taxonomy
from portal.extensions import db
from portal.inputs import parse_id
from portal.intelligence.validation import clean_text, parse_date
from portal.models import (
    ConcernStage,
    ConcernStatus,
    Decision,
    Embargo,
    EmbargoNotice,
    Meeting,
    Provider,
    ProviderConcern,
    ProviderConcernStage,
    User,
    meeting_agencies,
    utcnow,
)
from portal.policy import Permission, has_permission

MAX_NOTE = 5_000
MAX_REASON = 2_000
MAX_BOROUGHS = 50
MAX_BOROUGH_NAME = 100
MEETING_CHOICES = 60

#: The stage that may be skipped: the seed's "update meeting (if required)".
OPTIONAL_STAGES = frozenset({ConcernStage.UPDATE_MEETING})
STAGE_ORDER: tuple[ConcernStage, ...] = tuple(ConcernStage)

NOTE_AUDIENCE = (
    "Everyone who can sign in to the portal can read this on the provider's page. Do not copy "
    "restricted intelligence (TLP:AMBER+STRICT or TLP:RED) into it."
)

Errors = dict[str, str]


def can_chair(user: Any) -> bool:
    """Chairs run the provider concerns process and embargoes; nobody else changes them."""
    return has_permission(user, Permission.CHAIR_MEETINGS)


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


def london_boroughs() -> list[str]:
    """The boroughs a notice may be sent to, from the taxonomy."""
    return list(taxonomy()["embargo_notices"]["boroughs"])


# --- meetings and decisions a chair may link -----------------------------------------------


def _meetings_of(user: Any) -> sa.ColumnElement[bool]:
    """SQL on Meeting: the meetings the user chairs or whose agencies include theirs."""
    invited = (
        sa.select(meeting_agencies.c.meeting_id)
        .where(meeting_agencies.c.agency_id == user.agency_id)
        .scalar_subquery()
    )
    return sa.or_(Meeting.chair_id == user.id, Meeting.id.in_(invited))


def meeting_choices(user: Any) -> list[tuple[str, str]]:
    """Meetings a stage may be linked to, newest first, as (id, "date: title")."""
    rows = db.session.execute(
        sa.select(Meeting.id, Meeting.held_on, Meeting.title)
        .where(_meetings_of(user))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(MEETING_CHOICES)
    )
    return [(str(i), f"{_day(held_on)}: {title}") for i, held_on, title in rows]


def decision_choices(user: Any, provider_id: int) -> list[tuple[str, str]]:
    """Decisions about the provider at meetings of the user's, newest first."""
    rows = db.session.execute(
        sa.select(Decision.id, Meeting.held_on, Decision.text)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .where(Decision.provider_id == provider_id, _meetings_of(user))
        .order_by(Meeting.held_on.desc(), Decision.id.desc())
    )
    return [(str(i), f"{_day(held_on)}: {_short(text)}") for i, held_on, text in rows]


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chosen_id(
    value: Any, choices: Sequence[tuple[str, str]], key: str, message: str, errors: Errors
) -> int | None:
    """An optional id that must be one of the choices offered."""
    if value in (None, ""):
        return None
    number = parse_id(value)
    if number is None or str(number) not in {c for c, _ in choices}:
        errors[key] = message
        return None
    return number


def _text(value: Any, key: str, label: str, errors: Errors, limit: int, missing: str = "") -> str:
    """Free text, trimmed; required when `missing` says what to ask for."""
    text = clean_text(value) if isinstance(value, str) else ""
    if value not in (None, "") and not isinstance(value, str):
        errors[key] = f"{label} must be text"
    elif not text and missing:
        errors[key] = missing
    elif len(text) > limit:
        errors[key] = f"{label} must be {limit:,} characters or fewer"
    return text


def _past_date(value: Any, key: str, label: str, errors: Errors, today: date) -> date | None:
    """A required date, today or earlier."""
    day = parse_date(value, key, label, errors, required=True)
    if day is not None and day > today:
        errors[key] = f"{label} must be today or in the past"
        return None
    return day


# --- provider concerns ---------------------------------------------------------------------


def open_concern_for(provider_id: int) -> ProviderConcern | None:
    """The provider's open provider concern, if any."""
    return db.session.scalar(
        sa.select(ProviderConcern)
        .where(
            ProviderConcern.provider_id == provider_id,
            ProviderConcern.status == ConcernStatus.OPEN,
        )
        .order_by(ProviderConcern.id.desc())
        .limit(1)
    )


def start_concern(
    user: User, provider: Provider, data: Mapping[str, Any], today: date
) -> tuple[ProviderConcern | None, Errors]:
    """Open the process with its first stage, the decision to initiate (committed)."""
    errors: Errors = {}
    if open_concern_for(provider.id) is not None:
        errors["summary"] = (
            f"There is already an open provider concern about {provider.name}: "
            "record its next stage instead"
        )
        return None, errors
    summary = _text(
        data.get("summary"),
        "summary",
        "Summary",
        errors,
        MAX_REASON,
        "Enter a summary of the concern",
    )
    decided_on = _past_date(
        data.get("occurred_on"), "occurred_on", "Date of the decision", errors, today
    )
    meeting_id = _chosen_id(
        data.get("meeting_id"),
        meeting_choices(user),
        "meeting_id",
        "Choose a meeting from the list, or none",
        errors,
    )
    decision_id = _chosen_id(
        data.get("decision_id"),
        decision_choices(user, provider.id),
        "decision_id",
        "Choose a decision about this provider from the list, or none",
        errors,
    )
    note = _text(data.get("note"), "note", "Note", errors, MAX_NOTE)
    if errors or decided_on is None:
        return None, errors
    if decision_id is not None and meeting_id is None:
        decision = db.session.get(Decision, decision_id)
        meeting_id = decision.meeting_id if decision is not None else None
    concern = ProviderConcern(
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
    db.session.add(concern)
    try:
        db.session.flush()
    except IntegrityError:
        # Another chair opened one at the same moment (one open concern per provider).
        db.session.rollback()
        return None, {"summary": f"Another chair has just opened a concern about {provider.name}"}
    audit.record(
        "concern-started",
        user=user,
        object_type="provider_concern",
        object_id=concern.id,
        provider_id=provider.id,
        decision_id=decision_id,
        meeting_id=meeting_id,
        occurred_on=decided_on.isoformat(),
    )
    db.session.commit()
    return concern, {}


def record_stage(
    user: User, concern: ProviderConcern, data: Mapping[str, Any], today: date
) -> Errors:
    """Record the concern's next stage (closure closes it with its outcome); committed."""
    errors: Errors = {}
    current = concern.current_stage
    if concern.status is ConcernStatus.CLOSED:
        return {"stage": "This provider concern is closed: no more stages can be recorded"}
    if str(data.get("after") or "") != (str(current.stage) if current else ""):
        return {
            "stage": "Another chair has recorded a stage since you opened this page: "
            "check the stages below and choose again"
        }
    allowed = next_stages(current.stage if current else None)
    raw_stage = data.get("stage")
    stage = next((s for s in allowed if str(s) == raw_stage), None)
    if stage is None:
        names = " or ".join(stage_label(s).lower() for s in allowed)
        errors["stage"] = f"Choose the stage reached: {names}"
    occurred_on = _past_date(
        data.get("occurred_on"), "occurred_on", "Date of the stage", errors, today
    )
    if occurred_on is not None and current is not None and occurred_on < current.occurred_on:
        errors["occurred_on"] = (
            f"Date of the stage must be on or after the previous stage "
            f"({_day(current.occurred_on)})"
        )
    meeting_id = _chosen_id(
        data.get("meeting_id"),
        meeting_choices(user),
        "meeting_id",
        "Choose a meeting from the list, or none",
        errors,
    )
    note = _text(data.get("note"), "note", "Note", errors, MAX_NOTE)
    outcome = ""
    if stage is ConcernStage.CLOSURE:
        outcome = _text(
            data.get("outcome"),
            "outcome",
            "Outcome",
            errors,
            MAX_NOTE,
            "Enter the outcome of the provider concerns process",
        )
    if errors or stage is None or occurred_on is None:
        return errors
    concern.stages.append(
        ProviderConcernStage(
            stage=stage,
            occurred_on=occurred_on,
            note=note,
            recorded_by_id=user.id,
            meeting_id=meeting_id,
        )
    )
    if stage is ConcernStage.CLOSURE:
        concern.status = ConcernStatus.CLOSED
        concern.closed_on = occurred_on
        concern.outcome = outcome
    audit.record(
        "concern-stage-recorded",
        user=user,
        object_type="provider_concern",
        object_id=concern.id,
        stage=str(stage),
        occurred_on=occurred_on.isoformat(),
        meeting_id=meeting_id,
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another chair recorded the same stage at the same moment: theirs stands.
        db.session.rollback()
        return {"stage": "Another chair has just recorded this stage: check the stages below"}
    return {}


@dataclass(frozen=True)
class StageLine:
    """A stage as the pages list it."""

    label: str
    occurred_on: date
    meeting: str | None
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
    # The meeting whose decision started the process. Its words stay in the minutes, which
    # only the meeting's agencies read; everyone else sees which meeting it was.
    decision_meeting: str | None
    decision_meeting_id: int | None

    @property
    def is_open(self) -> bool:
        """Whether the process is still running."""
        return self.concern.status is ConcernStatus.OPEN


def load_concern(concern_id: int) -> ProviderConcern | None:
    """The concern with its provider, stages, their meetings and recorders (fixed queries)."""
    return db.session.scalar(
        sa.select(ProviderConcern)
        .where(ProviderConcern.id == concern_id)
        .options(
            selectinload(ProviderConcern.provider),
            selectinload(ProviderConcern.decision).selectinload(Decision.meeting),
            selectinload(ProviderConcern.stages).selectinload(ProviderConcernStage.meeting),
            selectinload(ProviderConcern.stages).selectinload(ProviderConcernStage.recorded_by),
        )
    )


def concern_view(concern: ProviderConcern) -> ConcernView:
    """The concern as the pages show it."""
    current = concern.current_stage
    meeting = concern.decision.meeting if concern.decision else None
    return ConcernView(
        concern=concern,
        stages=[
            StageLine(
                label=stage_label(s.stage),
                occurred_on=s.occurred_on,
                meeting=f"{s.meeting.title}, {_day(s.meeting.held_on)}" if s.meeting else None,
                meeting_id=s.meeting_id,
                note=s.note,
                recorded_by=s.recorded_by.name,
            )
            for s in concern.stages
        ],
        current=stage_label(current.stage) if current else None,
        next_labels=[stage_label(s) for s in next_stages(current.stage if current else None)]
        if concern.status is ConcernStatus.OPEN
        else [],
        decision_meeting=f"{meeting.title}, {_day(meeting.held_on)}" if meeting else None,
        decision_meeting_id=meeting.id if meeting else None,
    )


def concerns_about(provider_id: int) -> list[ConcernView]:
    """Every provider concern about the provider, open first, then newest (two queries)."""
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
            sa.case((ProviderConcern.status == ConcernStatus.OPEN, 0), else_=1),
            ProviderConcern.opened_at.desc(),
            ProviderConcern.id.desc(),
        )
    ).all()
    return [concern_view(c) for c in concerns]


# --- embargoes -----------------------------------------------------------------------------


def current_embargo_for(provider_id: int, today: date) -> Embargo | None:
    """The embargo in force or still to come (neither lifted nor ended), if any."""
    return db.session.scalar(
        sa.select(Embargo)
        .where(Embargo.provider_id == provider_id, Embargo.not_over_on(today))
        .order_by(Embargo.starts_on.desc(), Embargo.id.desc())
        .limit(1)
    )


def embargoed_among(provider_ids: Sequence[int], today: date) -> frozenset[int]:
    """Those of the providers with an embargo in force today (one query; none for no ids)."""
    if not provider_ids:
        return frozenset()
    return frozenset(
        db.session.scalars(
            sa.select(Embargo.provider_id).where(
                Embargo.provider_id.in_(provider_ids), Embargo.in_force_on(today)
            )
        )
    )


def place_embargo(
    user: User, provider: Provider, data: Mapping[str, Any], today: date
) -> tuple[Embargo | None, Errors]:
    """Place an embargo on new placements with the provider (committed)."""
    errors: Errors = {}
    if current_embargo_for(provider.id, today) is not None:
        return None, {
            "starts_on": f"{provider.name} already has an embargo that is in force or to come: "
            "lift it before placing another"
        }
    starts_on = parse_date(data.get("starts_on"), "starts_on", "Start date", errors, True)
    ends_on = parse_date(data.get("ends_on"), "ends_on", "Planned end date", errors)
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "Planned end date must be on or after the start date"
    elif ends_on is not None and ends_on < today:
        errors["ends_on"] = "Planned end date must be today or later"
    reason = _text(
        data.get("reason"),
        "reason",
        "Reason",
        errors,
        MAX_REASON,
        "Enter the reason for the embargo",
    )
    if errors or starts_on is None:
        return None, errors
    embargo = Embargo(
        provider_id=provider.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by_id=user.id,
    )
    db.session.add(embargo)
    db.session.flush()
    audit.record(
        "embargo-placed",
        user=user,
        object_type="embargo",
        object_id=embargo.id,
        provider_id=provider.id,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat() if ends_on else None,
    )
    db.session.commit()
    return embargo, {}


def lift_embargo(user: User, embargo: Embargo, data: Mapping[str, Any], today: date) -> Errors:
    """Lift the embargo from a day (today or earlier), with a reason (committed)."""
    if embargo.is_over(today):
        return {"lifted_on": "This embargo has already been lifted or has ended"}
    errors: Errors = {}
    lifted_on = _past_date(data.get("lifted_on"), "lifted_on", "Date lifted", errors, today)
    earliest = min(embargo.starts_on, today)
    if lifted_on is not None and lifted_on < earliest:
        errors["lifted_on"] = f"Date lifted must be on or after {_day(earliest)}"
    reason = _text(
        data.get("reason"),
        "reason",
        "Reason",
        errors,
        MAX_REASON,
        "Enter why the embargo is lifted",
    )
    if errors or lifted_on is None:
        return errors
    embargo.lifted_on = lifted_on
    embargo.lifted_at = utcnow()
    embargo.lifted_by_id = user.id
    embargo.lift_reason = reason
    audit.record(
        "embargo-lifted",
        user=user,
        object_type="embargo",
        object_id=embargo.id,
        provider_id=embargo.provider_id,
        lifted_on=lifted_on.isoformat(),
    )
    db.session.commit()
    return {}


def _boroughs(data: Mapping[str, Any], errors: Errors) -> list[str]:
    """The boroughs ticked and the other authorities typed (one a line), without repeats."""
    known = set(london_boroughs())
    ticked = data.get("boroughs") or []
    if isinstance(ticked, str):
        ticked = [ticked]
    chosen: list[str] = []
    for name in ticked:
        if not isinstance(name, str) or name not in known:
            errors["boroughs"] = "Choose boroughs from the list"
            return []
        chosen.append(name)
    others = data.get("others") or ""
    if not isinstance(others, str):
        errors["others"] = "Other authorities must be text"
        return []
    for line in others.replace(",", "\n").splitlines():
        name = clean_text(line)
        if len(name) > MAX_BOROUGH_NAME:
            errors["others"] = (
                f"Each authority's name must be {MAX_BOROUGH_NAME} characters or fewer"
            )
            return []
        if name:
            chosen.append(name)
    unique = list(dict.fromkeys(chosen))
    if not unique:
        errors["boroughs"] = "Choose at least one borough, or type another authority"
    elif len(unique) > MAX_BOROUGHS:
        errors["others"] = f"Record at most {MAX_BOROUGHS} authorities at once"
    return unique


def record_notices(
    user: User, embargo: Embargo, data: Mapping[str, Any], today: date
) -> tuple[int, Errors]:
    """Record the boroughs told of the embargo (or of its lifting) and when (committed)."""
    errors: Errors = {}
    boroughs = _boroughs(data, errors)
    notified_on = _past_date(data.get("notified_on"), "notified_on", "Date told", errors, today)
    subject = data.get("subject") or "embargo"
    if subject not in ("embargo", "lifting") or (subject == "lifting" and not embargo.lifted):
        errors["subject"] = "Choose what the boroughs were told"
    if errors or notified_on is None:
        return 0, errors
    about_lifting = subject == "lifting"
    now = utcnow()
    for borough in boroughs:
        embargo.notices.append(
            EmbargoNotice(
                borough=borough,
                notified_on=notified_on,
                about_lifting=about_lifting,
                recorded_by_id=user.id,
                recorded_at=now,
            )
        )
    audit.record(
        "embargo-notices-recorded",
        user=user,
        object_type="embargo",
        object_id=embargo.id,
        boroughs=boroughs,
        notified_on=notified_on.isoformat(),
        about_lifting=about_lifting,
    )
    db.session.commit()
    return len(boroughs), {}


def load_embargo(embargo_id: int) -> Embargo | None:
    """The embargo with its provider, people and notices (fixed queries)."""
    return db.session.scalar(
        sa.select(Embargo)
        .where(Embargo.id == embargo_id)
        .options(
            selectinload(Embargo.provider),
            selectinload(Embargo.created_by).selectinload(User.agency),
            selectinload(Embargo.lifted_by),
            selectinload(Embargo.notices),
        )
    )


def embargoes_of(provider_id: int) -> list[Embargo]:
    """Every embargo on the provider, latest start first, with their notices (one query)."""
    return list(
        db.session.scalars(
            sa.select(Embargo)
            .where(Embargo.provider_id == provider_id)
            .options(joinedload(Embargo.notices))
            .order_by(Embargo.starts_on.desc(), Embargo.id.desc())
        ).unique()
    )


def embargo_status(embargo: Embargo, today: date) -> str:
    """In words: in force, to start, lifted or ended."""
    if embargo.lifted_on is not None and embargo.lifted_on <= today:
        return "Lifted"
    if embargo.is_active(today):
        return "In force"
    if embargo.starts_on > today:
        return "To start" if embargo.lifted_on is None else "Lifted"
    return "Ended"


@dataclass
class ProviderPanel:
    """The provider page's section on provider concerns and embargoes."""

    concerns: list[ConcernView]
    embargoes: list[Embargo]
    today: date
    can_chair: bool
    current_embargo: Embargo | None = None
    statuses: dict[int, str] = field(default_factory=dict)

    @property
    def open_concern(self) -> ConcernView | None:
        """The open concern, if any (listed first)."""
        first = self.concerns[0] if self.concerns else None
        return first if first is not None and first.is_open else None

    @property
    def past_concerns(self) -> list[ConcernView]:
        """Closed concerns, newest first."""
        return [c for c in self.concerns if not c.is_open]


def provider_panel(user: Any, provider_id: int, today: date) -> ProviderPanel:
    """Concerns and embargoes about the provider, and whether the user may change them."""
    embargoes = embargoes_of(provider_id)
    current = next((e for e in embargoes if not e.is_over(today)), None)
    return ProviderPanel(
        concerns=concerns_about(provider_id),
        embargoes=embargoes,
        today=today,
        can_chair=can_chair(user),
        current_embargo=current,
        statuses={e.id: embargo_status(e, today) for e in embargoes},
    )
