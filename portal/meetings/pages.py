"""What the meeting page shows, loaded (templates never query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.meetings.pack_content import Changes, changes_between
from portal.meetings.proposals import Agenda
from portal.meetings.services import current_agenda
from portal.models import Agency, Meeting, MeetingPack, MeetingStatus
from portal.policy import Reader, can_run_meeting


@dataclass
class MeetingPage:
    """A meeting with its agenda, its issued packs and what the user may do."""

    meeting: Meeting
    agencies: list[Agency]
    agenda: Agenda
    packs: list[MeetingPack]
    changes: dict[int, Changes]
    can_run: bool
    locked: bool
    #: Where the meeting has got to today (Meeting.stage_on).
    stage: MeetingStatus
    #: Whether the user may change the agenda now: they run the meeting and it is not held.
    agenda_open: bool = False


def meeting_page(user: Reader, meeting: Meeting, today: date) -> MeetingPage:
    """The meeting page for this user."""
    can_run = can_run_meeting(user, meeting)
    locked = meeting.minutes_approved
    return MeetingPage(
        meeting=meeting,
        agencies=sorted(meeting.agencies, key=lambda a: a.name),
        agenda=current_agenda(meeting, today),
        packs=list(reversed(meeting.packs)),
        changes=changes_between(meeting),
        can_run=can_run,
        locked=locked,
        stage=meeting.stage_on(today),
        agenda_open=can_run and not locked and not meeting.is_held(today),
    )
