"""The minutes: attendance, the discussion and decisions per provider, the actions agreed.

The providers minuted are those for discussion in the latest issued pack (what the meeting
had in front of it), else on the agenda as it stands, then any other provider a discussion,
decision or action was recorded about; those for noting are not listed.
Approved minutes are read-only; their PDF (templates/meetings/minutes_document.html,
through portal.pdf) is stored when the chair approves them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload

from portal.blobs import blob_content
from portal.extensions import db
from portal.meetings.services import (
    approve_minutes,
    current_agenda,
    ensure_minutes_may_be_approved,
)
from portal.models import (
    Action,
    Agency,
    Decision,
    Discussion,
    Meeting,
    MeetingAttendee,
    Provider,
    User,
    utcnow,
)
from portal.pdf import html_to_pdf


@dataclass
class MinutedProvider:
    """One provider in the minutes."""

    provider_id: int
    name: str
    reason: str
    discussion: Discussion | None = None
    decisions: list[Decision] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


@dataclass
class Minutes:
    """Everything the minutes show, loaded."""

    meeting: Meeting
    attendees: list[MeetingAttendee]
    agencies_attending: list[Agency]
    agencies_absent: list[Agency]
    providers: list[MinutedProvider]
    other_actions: list[Action]
    approved_by: str | None
    # The day the minutes are read or approved: an action open past its due date then is overdue.
    as_of: date
    approved_at: datetime | None = None

    @property
    def title(self) -> str:
        """The document's title."""
        return f"{self.meeting.title}: minutes"


def _listed(meeting: Meeting, today: date) -> dict[int, MinutedProvider]:
    """The providers the meeting had in front of it: the latest issued pack's, else the agenda."""
    if meeting.packs:
        listed = [
            (int(e["provider_id"]), str(e["name"]), str(e.get("reason", "")))
            for e in meeting.packs[-1].agenda
        ]
    else:
        listed = [(e.provider_id, e.name, e.reason) for e in current_agenda(meeting, today).entries]
    return {pid: MinutedProvider(pid, name, reason) for pid, name, reason in listed}


def _file_by_provider(
    rows: dict[int, MinutedProvider],
    discussions: Sequence[Discussion],
    decisions: Sequence[Decision],
    actions: Sequence[Action],
) -> list[Action]:
    """Put each note under its provider's row, adding a row for a provider not listed.

    Answers the actions about no provider, which the minutes list on their own.
    """

    def row(provider: Provider) -> MinutedProvider:
        if provider.id not in rows:
            rows[provider.id] = MinutedProvider(provider.id, provider.name, "")
        return rows[provider.id]

    for discussion in discussions:
        row(discussion.provider).discussion = discussion
    for decision in decisions:
        row(decision.provider).decisions.append(decision)
    other: list[Action] = []
    for action in actions:
        if action.provider is None:
            other.append(action)
        else:
            row(action.provider).actions.append(action)
    return other


def minutes(meeting: Meeting, today: date) -> Minutes:
    """The meeting's minutes as they stand (a fixed number of queries)."""
    rows = _listed(meeting, today)
    discussions = db.session.scalars(
        sa.select(Discussion)
        .options(joinedload(Discussion.provider))
        .where(Discussion.meeting_id == meeting.id)
        .order_by(Discussion.id)
    ).all()
    decisions = db.session.scalars(
        sa.select(Decision)
        .options(joinedload(Decision.provider))
        .where(Decision.meeting_id == meeting.id)
        .order_by(Decision.id)
    ).all()
    actions = db.session.scalars(
        sa.select(Action)
        .options(joinedload(Action.provider), joinedload(Action.owner_agency))
        .where(Action.meeting_id == meeting.id)
        .order_by(Action.id)
    ).all()
    attendees = db.session.scalars(
        sa.select(MeetingAttendee)
        .options(joinedload(MeetingAttendee.agency))
        .where(MeetingAttendee.meeting_id == meeting.id)
        .order_by(MeetingAttendee.id)
    ).all()
    other = _file_by_provider(rows, discussions, decisions, actions)
    attending_ids = {a.agency_id for a in attendees}
    invited = sorted(meeting.agencies, key=lambda a: a.name)
    approver = (
        db.session.get(User, meeting.minutes_approved_by_id)
        if meeting.minutes_approved_by_id
        else None
    )
    return Minutes(
        meeting=meeting,
        attendees=list(attendees),
        agencies_attending=[a for a in invited if a.id in attending_ids],
        agencies_absent=[a for a in invited if a.id not in attending_ids],
        providers=list(rows.values()),
        other_actions=other,
        approved_by=approver.name if approver else None,
        as_of=today,
        approved_at=meeting.minutes_approved_at,
    )


def minuted_providers(meeting: Meeting, today: date) -> list[tuple[int, str]]:
    """(id, name) of the providers the minutes cover, for choosing an action's provider."""
    return [(p.provider_id, p.name) for p in minutes(meeting, today).providers]


def minutes_pdf(content: Minutes) -> tuple[bytes, str]:
    """The minutes as a PDF, and its SHA-256."""
    pdf = html_to_pdf(
        render_template("meetings/minutes_document.html", for_pdf=True, minutes=content)
    )
    return pdf, hashlib.sha256(pdf).hexdigest()


def approve(user: User, meeting: Meeting, today: date, approved_at: datetime | None = None) -> None:
    """The chair approves the minutes, on or after the meeting's day: their PDF is made once,
    stored, and they are frozen. Refused before the day (ValidationFailed) or when already
    approved (MeetingLocked), before anything is built."""
    ensure_minutes_may_be_approved(meeting, today)
    content = minutes(meeting, today)
    content.approved_by = user.name
    content.approved_at = approved_at or utcnow()
    pdf, sha256 = minutes_pdf(content)
    approve_minutes(user, meeting, pdf, sha256, content.approved_at, today)


def approved_minutes_pdf(meeting: Meeting) -> bytes | None:
    """The approved minutes' PDF, exactly as stored at approval."""
    return blob_content(meeting.minutes_sha256)
