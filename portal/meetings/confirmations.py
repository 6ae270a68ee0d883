"""What the two confirmation pages show, loaded: issuing a pack, approving the minutes.

Both follow GOV.UK's "check your answers" pattern: the page says what will happen and to
whom before the one button that does it. The rules themselves are the model's
(Meeting.is_held, Meeting.minutes_may_be_approved) and the services' (packs.checked_reason,
services.ensure_minutes_may_be_approved), which refuse whatever page or API call reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.meetings import minutes as minutes_service
from portal.meetings.packs import correction_needed
from portal.meetings.proposals import AgendaEntry
from portal.meetings.services import current_agenda
from portal.models import Agency, Marking, Meeting, MeetingPack, User
from portal.policy import PACK_MARKINGS


@dataclass
class IssueCheck:
    """The next version of a meeting's pack, before the chair issues it."""

    meeting: Meeting
    version: int
    audience: list[Agency]
    discussion: list[AgendaEntry]
    removed: list[AgendaEntry]
    #: How many providers the pack lists for noting (one table row each), when the agenda
    #: has such a list; None when it has none.
    noting: int | None
    previous: MeetingPack | None
    correction: bool
    #: The markings a pack holds, and those it never holds (policy.PACK_MARKINGS).
    markings: list[str]
    left_out_markings: list[str]

    @property
    def may_issue(self) -> bool:
        """No version may be issued once the minutes are approved."""
        return not self.meeting.minutes_approved


def issue_check(meeting: Meeting, today: date) -> IssueCheck:
    """What the next version will hold and who will receive it."""
    plan = current_agenda(meeting, today)
    noting = getattr(plan, "noting", None)  # the focused agenda's list for noting, if any
    return IssueCheck(
        meeting=meeting,
        version=(meeting.packs[-1].version if meeting.packs else 0) + 1,
        audience=sorted(meeting.agencies, key=lambda a: a.name),
        discussion=list(plan.entries),
        removed=list(plan.removed),
        noting=len(noting) if noting is not None else None,
        previous=meeting.packs[-1] if meeting.packs else None,
        correction=correction_needed(meeting, today),
        markings=[f"TLP:{m.value}" for m in Marking if m in PACK_MARKINGS],
        left_out_markings=[f"TLP:{m.value}" for m in Marking if m not in PACK_MARKINGS],
    )


@dataclass
class ApprovalCheck:
    """The minutes as they would be approved, and who approves them on which day."""

    minutes: minutes_service.Minutes
    approver: str
    today: date
    may_approve: bool

    @property
    def meeting(self) -> Meeting:
        """The meeting whose minutes these are."""
        return self.minutes.meeting

    @property
    def discussed(self) -> int:
        """Providers with a discussion recorded."""
        return sum(1 for p in self.minutes.providers if p.discussion is not None)

    @property
    def decisions(self) -> int:
        """Decisions recorded."""
        return sum(len(p.decisions) for p in self.minutes.providers)

    @property
    def actions(self) -> int:
        """Actions agreed, about a provider or none."""
        return sum(len(p.actions) for p in self.minutes.providers) + len(self.minutes.other_actions)


def approval_check(user: User, meeting: Meeting, today: date) -> ApprovalCheck:
    """The minutes' approval page for this chair on this day."""
    return ApprovalCheck(
        minutes=minutes_service.minutes(meeting, today),
        approver=user.name,
        today=today,
        may_approve=meeting.minutes_may_be_approved(today),
    )
