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
    #: Where the meeting has got to on the day (Meeting.stage_on).
    stage: MeetingStatus = MeetingStatus.PLANNED
    #: Held (Meeting.is_held): the agenda is frozen and a new pack version is a correction.
    held: bool = False
    #: The minutes may be approved today (Meeting.minutes_may_be_approved).
    may_approve: bool = False

    @property
    def agenda_open(self) -> bool:
        """Whether this user may change the agenda now: runs the meeting, not yet held."""
        return self.can_run and not self.locked and not self.held

    @property
    def next_version(self) -> int:
        """The number the next issued version of the pack will have."""
        return self.packs[0].version + 1 if self.packs else 1


def meeting_page(user: Reader, meeting: Meeting, today: date) -> MeetingPage:
    """The meeting page for this user."""
    return MeetingPage(
        meeting=meeting,
        agencies=sorted(meeting.agencies, key=lambda a: a.name),
        agenda=current_agenda(meeting, today),
        packs=list(reversed(meeting.packs)),
        changes=changes_between(meeting),
        can_run=can_run_meeting(user, meeting),
        locked=meeting.minutes_approved,
        stage=meeting.stage_on(today),
        held=meeting.is_held(today),
        may_approve=meeting.minutes_may_be_approved(today),
    )
