"""The chair's changes to a meeting's agenda, several providers at a time: moving them between
the discussion and noting lists, taking several off with one reason, and saving the order.

Each change is checked against the agenda as it stands (portal.meetings.proposals): a provider
id that is not on the list the change is about is refused with ValidationFailed, as are bad
positions and a missing or overlong reason, before anything changes. Once the meeting is held
the agenda is frozen (services.ensure_agenda_open raises MeetingLocked). Every change to a
provider is audited (`agenda-changed`); the request commits (portal.unit_of_work).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from portal.inputs import parse_id, parse_whole_number
from portal.meetings.agenda_facts import DISCUSSION, LISTS, NOTING
from portal.meetings.proposals import Agenda, AgendaEntry
from portal.meetings.services import (
    agenda_changed,
    agenda_choice,
    current_agenda,
    ensure_agenda_open,
)
from portal.models import Meeting, User, utcnow
from portal.unit_of_work import ValidationFailed

MAX_REASON = 2_000
MAX_POSITION = 999
#: Form fields: a position box per provider is named POSITION_PREFIX + its id.
POSITION_PREFIX = "position-"
SELECTED = "provider_id"
NOTHING_CHOSEN = "Select at least one provider"
NOT_LISTED = "Choose providers from the list shown on the meeting page; reload it and try again"


def _ids(values: Iterable[object], allowed: Mapping[int, AgendaEntry | None]) -> list[int]:
    """The provider ids chosen, each one of those allowed; ValidationFailed otherwise."""
    chosen: list[int] = []
    for value in values:
        provider_id = parse_id(value)
        if provider_id is None or provider_id not in allowed:
            raise ValidationFailed({SELECTED: NOT_LISTED})
        if provider_id not in chosen:
            chosen.append(provider_id)
    if not chosen:
        raise ValidationFailed({SELECTED: NOTHING_CHOSEN})
    return chosen


def _movable(plan: Agenda, listed_for: str) -> dict[int, AgendaEntry | None]:
    """The providers that may move to that list: those on the others."""
    if listed_for == DISCUSSION:
        allowed: dict[int, AgendaEntry | None] = {n.provider_id: None for n in plan.noting}
        allowed |= {e.provider_id: e for e in [*plan.also_qualified, *plan.removed]}
        return allowed
    return {e.provider_id: e for e in [*plan.entries, *plan.also_qualified]}


def list_providers(
    user: User, meeting: Meeting, values: Iterable[object], listed_for: str, today: date
) -> list[int]:
    """The chair moves providers to the discussion or the noting list; the ids moved."""
    ensure_agenda_open(meeting, today)
    if listed_for not in LISTS:
        raise ValidationFailed({"listed_for": "Choose the discussion list or the noting list"})
    moved = _ids(values, _movable(current_agenda(meeting, today), listed_for))
    for provider_id in moved:
        row = agenda_choice(meeting, provider_id, user)
        row.listed_for, row.removed_reason, row.removed_at = listed_for, None, None
        if listed_for == NOTING:
            row.position = None
        agenda_changed(user, meeting, f"listed for {listed_for}", provider_id)
    return moved


def checked_reason(value: object) -> str:
    """The reason typed, trimmed; ValidationFailed when it is missing or too long."""
    reason = value.strip() if isinstance(value, str) else ""
    if not reason:
        raise ValidationFailed({"reason": "Enter the reason for taking them off the agenda"})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": f"Use {MAX_REASON:,} characters or fewer"})
    return reason


def remove_providers(
    user: User, meeting: Meeting, values: Iterable[object], reason: object, today: date
) -> list[int]:
    """The chair takes several providers off the agenda with one reason; the ids taken off."""
    ensure_agenda_open(meeting, today)
    plan = current_agenda(meeting, today)
    allowed = {e.provider_id: e for e in [*plan.entries, *plan.also_qualified]}
    chosen = _ids(values, allowed)
    text = checked_reason(reason)
    now = utcnow()
    for provider_id in chosen:
        row = agenda_choice(meeting, provider_id, user)
        row.removed_reason, row.removed_at = text, now
        row.listed_for, row.position = None, None
        agenda_changed(user, meeting, "removed", provider_id)
    return chosen


def positions_from(form: Mapping[str, object], plan: Agenda) -> dict[int, int]:
    """Provider id -> the number typed in its position box; ValidationFailed for a bad one."""
    listed = set(plan.provider_ids)
    typed: dict[int, int] = {}
    for key, value in form.items():
        if not key.startswith(POSITION_PREFIX):
            continue
        provider_id = parse_id(key[len(POSITION_PREFIX) :])
        if provider_id is None or provider_id not in listed:
            raise ValidationFailed({SELECTED: NOT_LISTED})
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            continue  # left empty: it keeps its place relative to the others
        number = parse_whole_number(text, 1, MAX_POSITION)
        if number is None:
            raise ValidationFailed(
                {key: f"Enter the order as a whole number from 1 to {MAX_POSITION}, like 3"}
            )
        typed[provider_id] = number
    return typed


def save_order(user: User, meeting: Meeting, form: Mapping[str, object], today: date) -> list[int]:
    """The chair saves the discussion list's order from the numbers typed; the new order.

    Providers are ordered by their numbers (a box left empty keeps its place). Where two
    share a number, the one whose number was changed comes first, so typing 1 beside the
    last provider puts it first; otherwise the list's order stays. Then they are numbered
    1, 2, 3... and kept.
    """
    ensure_agenda_open(meeting, today)
    plan = current_agenda(meeting, today)
    typed = positions_from(form, plan)
    current = plan.provider_ids

    def place(provider_id: int) -> tuple[int, bool, int]:
        was = current.index(provider_id) + 1
        number = typed.get(provider_id, was)
        return number, number == was, was

    order = sorted(current, key=place)
    for position, provider_id in enumerate(order, start=1):
        row = agenda_choice(meeting, provider_id, user)
        if row.position != position:
            row.position = position
            agenda_changed(user, meeting, f"ordered {position}", provider_id)
    return order
