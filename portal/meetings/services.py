"""Meetings: the list, creating one, the agenda's changes, attendance, minutes and actions.

Who may read or run a meeting is decided by portal.policy; every function here that
changes something records an audit event; the request or command commits (portal.unit_of_work).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import audit
from portal.blobs import store_blob
from portal.extensions import db
from portal.inputs import parse_id
from portal.mail import triggers
from portal.meetings.agenda_facts import current_rules
from portal.meetings.proposals import Agenda, agenda
from portal.models import (
    Action,
    ActionStatus,
    Agency,
    Decision,
    Discussion,
    Meeting,
    MeetingAttendee,
    MeetingProvider,
    MeetingStatus,
    Provider,
    User,
    utcnow,
)
from portal.paging import Page, clamp_page, page_offset
from portal.policy import (
    Reader,
    can_read_meeting,
    can_run_meeting,
    can_update_action,
    readable_meetings_clause,
)
from portal.providers.search import find_providers as search_providers
from portal.templating import govuk_date
from portal.unit_of_work import ValidationFailed

MAX_TITLE = 200
MAX_TEXT = 5_000
CHAIR_ADDITIONS_OFF = (
    "The group's rules (meetings.agenda in the configuration) do not let the chair add providers"
)


class MeetingLocked(ValueError):
    """The minutes are approved: the meeting can no longer change."""


class AgendaFrozen(MeetingLocked):
    """The meeting is held: its agenda can no longer change (a pack may still be corrected)."""


class NotOnAgenda(LookupError):
    """The provider is not where the change needs it: not on the discussion list to move,
    not taken off to restore (the page answers 404, as for an id that does not exist)."""


AGENDA_FROZEN = (
    "This meeting has been held, so its agenda can no longer change. To correct the pack, "
    "issue a new version with the reason."
)


def meetings_page(user: Reader, page: int, per_page: int) -> Page:
    """The meetings the user may read, newest first, a page at a time (two queries)."""
    clause = readable_meetings_clause(user)
    total = db.session.scalar(sa.select(sa.func.count(Meeting.id)).where(clause)) or 0
    page = clamp_page(page, total, per_page)
    meetings = db.session.scalars(
        sa.select(Meeting)
        .options(selectinload(Meeting.agencies), selectinload(Meeting.packs))
        .where(clause)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .offset(page_offset(page, per_page))
        .limit(per_page)
    ).all()
    return Page(items=list(meetings), total=total, page=page, per_page=per_page)


def readable_meetings(user: Reader) -> list[Meeting]:
    """Every meeting the user may read, newest first (for the API)."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .options(selectinload(Meeting.agencies), selectinload(Meeting.packs))
            .where(readable_meetings_clause(user))
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    )


def readable_meeting(user: Reader, meeting_id: int) -> Meeting | None:
    """The meeting, if the user may read it (None otherwise, as if it did not exist)."""
    meeting = db.session.get(Meeting, meeting_id)
    return meeting if can_read_meeting(user, meeting) else None


def runnable_meeting(user: Reader, meeting_id: int) -> Meeting | None:
    """The meeting, if the user may run it (its chair, or a chair of its host agency)."""
    meeting = db.session.get(Meeting, meeting_id)
    return meeting if can_run_meeting(user, meeting) else None


def refusal_to_run(user: Reader, meeting_id: int) -> int:
    """The answer to someone who may not run the meeting: 403 to whoever may read it (as to
    its members: an invited agency's chair), 404 to anyone else (as if it did not exist)."""
    return 403 if readable_meeting(user, meeting_id) is not None else 404


def agencies() -> list[Agency]:
    """Active agencies, by name, to invite."""
    return list(db.session.scalars(sa.select(Agency).where(Agency.active).order_by(Agency.name)))


def agencies_by_code(codes: list[str]) -> tuple[list[Agency], list[str]]:
    """The active agencies with these codes, and the codes that name none."""
    found = {
        a.code: a
        for a in db.session.scalars(sa.select(Agency).where(Agency.code.in_(codes), Agency.active))
    }
    return [found[c] for c in dict.fromkeys(codes) if c in found], [
        c for c in codes if c not in found
    ]


@dataclass(frozen=True)
class NewMeeting:
    """A meeting's details as checked by validate_meeting."""

    held_on: date
    title: str
    location: str
    agencies: list[Agency]


def validate_meeting(
    held_on: date | None, title: Any, location: Any, agency_list: list[Agency]
) -> NewMeeting:
    """The meeting's details, or ValidationFailed with a message per field."""
    errors: dict[str, str] = {}
    title_text = title.strip() if isinstance(title, str) else ""
    location_text = location.strip() if isinstance(location, str) else ""
    if held_on is None:
        errors.setdefault("held_on", "Enter the date of the meeting")
    if not title_text:
        errors["title"] = "Enter a title for the meeting"
    elif len(title_text) > MAX_TITLE:
        errors["title"] = f"The title must be {MAX_TITLE} characters or fewer"
    if len(location_text) > MAX_TITLE:
        errors["location"] = f"The location must be {MAX_TITLE} characters or fewer"
    if not agency_list:
        errors.setdefault("agencies", "Choose at least one agency to invite")
    if errors or held_on is None:
        raise ValidationFailed(errors)
    return NewMeeting(held_on, title_text, location_text, agency_list)


def meeting_details(
    held_on: date | None, title: Any, location: Any, codes: list[str]
) -> NewMeeting:
    """The one check of a new meeting for the page and the API: the invited agencies' codes
    (each an active agency) and validate_meeting's fields; ValidationFailed otherwise."""
    invited, unknown = agencies_by_code(codes)
    errors: dict[str, str] = {}
    if unknown:
        errors["agencies"] = f"No active agency has the code {unknown[0][:20]!r}"
    try:
        details = validate_meeting(held_on, title, location, invited)
    except ValidationFailed as refused:
        errors = refused.errors | errors
    if errors:
        raise ValidationFailed(errors)
    return details


def create_meeting(user: User, details: NewMeeting, via: str = "web") -> Meeting:
    """Create a planned meeting chaired by the user; the chair's agency is always invited."""
    invited = list(details.agencies)
    if all(a.id != user.agency_id for a in invited):
        invited.append(user.agency)
    meeting = Meeting(
        held_on=details.held_on,
        title=details.title,
        location=details.location,
        chair_id=user.id,
        status=MeetingStatus.PLANNED,
        agencies=invited,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting-created",
        user=user,
        object_type="meeting",
        object_id=meeting.id,
        held_on=details.held_on.isoformat(),
        agencies=sorted(a.code for a in invited),
        via=via,
    )
    return meeting


def _ensure_minutes_open(meeting: Meeting) -> None:
    """Refuse any change once the minutes are approved (attendance, discussion, actions)."""
    if meeting.minutes_approved:
        raise MeetingLocked("The minutes of this meeting are approved; it can no longer change.")


def ensure_agenda_open(meeting: Meeting, today: date) -> None:
    """Refuse a change to the agenda: the minutes are approved, or the meeting is held
    (Meeting.is_held); a pack may still be corrected with a new version."""
    _ensure_minutes_open(meeting)
    if meeting.is_held(today):
        raise AgendaFrozen(AGENDA_FROZEN)


def current_agenda(meeting: Meeting, today: date) -> Agenda:
    """The meeting's agenda as it stands, as of the meeting day or today if that is earlier."""
    return agenda(meeting, min(today, meeting.held_on))


def agenda_choice(meeting: Meeting, provider_id: int, user: User) -> MeetingProvider:
    """The chair's row about the provider on this meeting's agenda, made if there is none."""
    row = db.session.get(MeetingProvider, (meeting.id, provider_id))
    if row is None:
        row = MeetingProvider(
            meeting_id=meeting.id, provider_id=provider_id, added=False, added_by_id=user.id
        )
        db.session.add(row)
    return row


def agenda_changed(user: User, meeting: Meeting, change: str, provider_id: int) -> None:
    """Audit one change to the agenda."""
    audit.record(
        "agenda-changed",
        user=user,
        object_type="meeting",
        object_id=meeting.id,
        change=change,
        provider_id=provider_id,
    )


def add_provider(
    user: User, meeting: Meeting, provider: Provider, reason: str, today: date
) -> None:
    """The chair adds a provider to the discussion list, with the reason."""
    ensure_agenda_open(meeting, today)
    if not current_rules().chair_additions:
        raise ValidationFailed({"reason": CHAIR_ADDITIONS_OFF})
    row = agenda_choice(meeting, provider.id, user)
    row.added, row.reason, row.listed_for = True, reason, None
    row.removed_reason, row.removed_at = None, None
    agenda_changed(user, meeting, "added", provider.id)


def remove_provider(
    user: User, meeting: Meeting, provider_id: int, reason: str, today: date
) -> None:
    """The chair takes a provider off the agenda, with the reason (shown beside it)."""
    ensure_agenda_open(meeting, today)
    row = agenda_choice(meeting, provider_id, user)
    row.removed_reason, row.removed_at = reason, utcnow()
    row.listed_for, row.position = None, None
    agenda_changed(user, meeting, "removed", provider_id)


def restore_provider(user: User, meeting: Meeting, provider_id: int, today: date) -> None:
    """The chair puts a removed provider back on the agenda; NotOnAgenda if it was not
    taken off."""
    ensure_agenda_open(meeting, today)
    row = db.session.get(MeetingProvider, (meeting.id, provider_id))
    if row is None or row.removed_reason is None:
        raise NotOnAgenda(provider_id)
    row.removed_reason, row.removed_at = None, None
    agenda_changed(user, meeting, "restored", provider_id)


def move_provider(
    user: User, meeting: Meeting, provider_id: int, direction: str, today: date
) -> bool:
    """Move a provider one place up or down the discussion list; False when it cannot move
    that way (first up, last down, no direction), NotOnAgenda when it is not on the list."""
    ensure_agenda_open(meeting, today)
    order = current_agenda(meeting, today).provider_ids
    if provider_id not in order:
        raise NotOnAgenda(provider_id)
    if direction not in ("up", "down"):
        return False
    index = order.index(provider_id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(order):
        return False
    order[index], order[other] = order[other], order[index]
    for position, pid in enumerate(order, start=1):
        agenda_choice(meeting, pid, user).position = position
    agenda_changed(user, meeting, f"moved {direction}", provider_id)
    return True


# --- at and after the meeting --------------------------------------------------------------


def _minutes_changed(user: User, meeting: Meeting, what: str) -> None:
    if meeting.status in (MeetingStatus.PLANNED, MeetingStatus.PACK_ISSUED):
        meeting.status = MeetingStatus.HELD
    audit.record(
        "minutes-changed", user=user, object_type="meeting", object_id=meeting.id, what=what
    )


def add_attendee(user: User, meeting: Meeting, name: str, agency: Agency) -> None:
    """Record someone who attended, for an agency."""
    _ensure_minutes_open(meeting)
    db.session.add(MeetingAttendee(meeting_id=meeting.id, agency_id=agency.id, name=name))
    _minutes_changed(user, meeting, "attendance")


def record_discussion(
    user: User, meeting: Meeting, provider_id: int, notes: str, decision: str
) -> None:
    """Set the discussion note about a provider, and add a decision if one is given."""
    _ensure_minutes_open(meeting)
    discussion = db.session.scalar(
        sa.select(Discussion).where(
            Discussion.meeting_id == meeting.id, Discussion.provider_id == provider_id
        )
    )
    if notes:
        if discussion is None:
            db.session.add(
                Discussion(
                    meeting_id=meeting.id,
                    provider_id=provider_id,
                    notes=notes,
                    recorded_by_id=user.id,
                )
            )
        else:
            discussion.notes, discussion.recorded_by_id = notes, user.id
            discussion.recorded_at = utcnow()
    if decision:
        db.session.add(
            Decision(
                meeting_id=meeting.id,
                provider_id=provider_id,
                text=decision,
                recorded_by_id=user.id,
            )
        )
    _minutes_changed(user, meeting, "discussion")


def add_action(
    user: User,
    meeting: Meeting,
    provider_id: int | None,
    description: str,
    owner: Agency,
    due_on: date | None,
) -> Action:
    """Record an action agreed at the meeting; it stays open until done or dropped."""
    _ensure_minutes_open(meeting)
    action = Action(
        meeting_id=meeting.id,
        provider_id=provider_id,
        description=description,
        owner_agency_id=owner.id,
        due_on=due_on,
        status=ActionStatus.OPEN,
        created_by_id=user.id,
    )
    db.session.add(action)
    db.session.flush()
    _minutes_changed(user, meeting, "action")
    triggers.action_given(action)
    return action


def updatable_action(user: Reader, action_id: int) -> tuple[Action, Meeting] | None:
    """The action and its meeting, if the user may update it."""
    action = db.session.get(Action, action_id)
    if action is None:
        return None
    meeting = action.meeting
    return (action, meeting) if can_update_action(user, action, meeting) else None


def update_action(user: User, action: Action, status: ActionStatus, note: str) -> None:
    """Set an action's status; done and dropped close it with the note."""
    action.status = status
    if status is ActionStatus.OPEN:
        action.closed_at, action.closed_by_id = None, None
    else:
        action.closed_at, action.closed_by_id = utcnow(), user.id
    action.closing_note = note
    audit.record(
        "action-updated",
        user=user,
        object_type="action",
        object_id=action.id,
        status=status.value,
    )


def ensure_minutes_may_be_approved(meeting: Meeting, today: date) -> None:
    """Refuse approval once approved (MeetingLocked) or before the meeting's day
    (ValidationFailed), as Meeting.minutes_may_be_approved decides."""
    _ensure_minutes_open(meeting)
    if not meeting.minutes_may_be_approved(today):
        raise ValidationFailed({"meeting": not_yet_approvable(meeting)})


def not_yet_approvable(meeting: Meeting) -> str:
    """Why the minutes cannot be approved yet, with the day they can."""
    return (
        f"The minutes can be approved from {govuk_date(meeting.held_on)}, the day of the "
        "meeting, and not before."
    )


def approve_minutes(
    user: User,
    meeting: Meeting,
    minutes_pdf: bytes,
    sha256: str,
    approved_at: datetime,
    today: date,
) -> None:
    """Approve the minutes, on or after the meeting's day: they become read-only and their
    PDF is kept."""
    ensure_minutes_may_be_approved(meeting, today)
    store_blob(minutes_pdf, approved_at)
    meeting.status = MeetingStatus.MINUTES_APPROVED
    meeting.minutes_approved_at = approved_at
    meeting.minutes_approved_by_id = user.id
    meeting.minutes_sha256 = sha256
    audit.record(
        "minutes-approved", user=user, object_type="meeting", object_id=meeting.id, sha256=sha256
    )


def when(value: datetime | None) -> str:
    """A timestamp for the API: ISO 8601 in UTC."""
    return value.isoformat(timespec="seconds") + "Z" if value else ""


def provider_by_id(value: Any) -> Provider | None:
    """The provider with this id (from a form or URL), if there is one."""
    provider_id = parse_id(value)
    return db.session.get(Provider, provider_id) if provider_id else None


def find_providers(query: str) -> list[Provider]:
    """Providers by name, CQC ID or postcode, to add to an agenda."""
    return list(search_providers(query))


def discussion_notes(meeting: Meeting, provider_id: int) -> str:
    """The discussion note recorded about a provider at the meeting, or ""."""
    notes = db.session.scalar(
        sa.select(Discussion.notes).where(
            Discussion.meeting_id == meeting.id, Discussion.provider_id == provider_id
        )
    )
    return notes or ""


def record_minutes_download(user: User, meeting: Meeting) -> None:
    """Downloading the approved minutes is an audit event."""
    audit.record(
        "minutes-downloaded",
        user=user,
        object_type="meeting",
        object_id=meeting.id,
        sha256=meeting.minutes_sha256,
    )
