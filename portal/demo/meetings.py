"""The demo's Joint Intelligence Group: three meetings held, with their discussions, decisions
and actions, one planned; the held ones' packs and minutes (meetings.toml)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context

from portal.config import labels
from portal.demo.world import Demo, at, day_month, meeting_day, months_before
from portal.extensions import db
from portal.meetings import minutes, packs
from portal.models import (
    Action,
    ActionStatus,
    Decision,
    Discussion,
    IntelligenceItem,
    ItemStatus,
    Meeting,
    MeetingAttendee,
    MeetingProvider,
    MeetingStatus,
    Provider,
    Role,
    User,
)
from portal.risk_bands import band_for


def add_meetings(demo: Demo) -> int:
    """The meetings of the last three months and the one planned this month; how many."""
    demo.meeting_dates = [meeting_day(months_before(demo.anchor, k)) for k in (3, 2, 1)]
    watched = [
        p
        for p, plan in zip(demo.providers, demo.plans, strict=True)
        if plan.profile in ("hot", "concern", "closed")
    ]
    story = {
        "initial": day_month(demo.anchor - timedelta(days=43)),
        "embargo": day_month(demo.anchor - timedelta(days=42)),
        "findings": day_month(demo.anchor - timedelta(days=14)),
    }
    previous = demo.meeting_dates[0] - timedelta(days=35)
    for number, held in enumerate(demo.meeting_dates):
        demo.held_meetings.append(_held(demo, number, held, previous, watched, story))
        previous = held
    meetings = [*demo.held_meetings, _planned(demo, watched)]
    db.session.add_all(meetings)
    return len(meetings)


def _held(
    demo: Demo,
    number: int,
    held: date,
    previous: date,
    watched: list[Provider],
    story: dict[str, str],
) -> Meeting:
    """A past meeting: the open concern's provider first on its agenda, then watched ones
    with the most new items."""
    rng, chair, codes = demo.rng, demo.chairs["MERTON"], list(demo.agencies)
    absent = rng.sample(codes[1:], rng.randint(0, 2))
    meeting = Meeting(
        held_on=held,
        title=f"Joint Intelligence Group – {held:%B %Y}",
        location=rng.choice(demo.text.meetings.locations),
        chair=chair,
        # Planned until issue_packs_and_minutes has issued its pack a week before the day (a
        # version issued once a meeting is held is a correction); then it is held.
        status=MeetingStatus.PLANNED,
        created_at=at(held - timedelta(days=28), 10),
        agencies=[demo.agencies[c] for c in codes if c not in absent],
    )
    new: dict[int, list[IntelligenceItem]] = {}
    for item in demo.items:
        if previous < item.observed_on <= held and item.status == ItemStatus.OPEN:
            new.setdefault(item.provider_id, []).append(item)
    ranked = sorted(watched, key=lambda p: (-len(new.get(p.id, [])), p.id))
    chosen = [demo.providers[demo.open_index]] + ranked[: rng.randint(2, 5)]
    meeting.agenda_entries = [
        MeetingProvider(
            provider=provider,
            reason=demo.text.meetings.watched_reason,
            added_by_id=chair.id,
            added_at=at(held - timedelta(days=8), 9),
        )
        for provider in chosen[1:]
    ]
    meeting.attendees = [
        MeetingAttendee(agency=agency, name=user.name)
        for agency in meeting.agencies
        for user in demo.users.values()
        if user.agency is agency and user.role in (Role.MEMBER, Role.CHAIR)
    ]
    recorded = at(held + timedelta(days=1), 10)
    for provider in chosen:
        notes = _notes(demo, number, provider, new.get(provider.id, []), story)
        meeting.discussions.append(
            Discussion(
                provider=provider, notes=notes, recorded_by_id=chair.id, recorded_at=recorded
            )
        )
    _decisions_and_actions(demo, meeting, number, chosen)
    return meeting


def _notes(
    demo: Demo,
    number: int,
    provider: Provider,
    items: list[IntelligenceItem],
    story: dict[str, str],
) -> str:
    """What the minutes say of a provider: the open concern's story, or its new items."""
    text = demo.text.meetings
    said_by = {a.code: a.short for a in demo.text.people.agencies}
    agencies = sorted({said_by[i.source_agency.code] for i in items})
    said = (
        ", ".join(agencies[:-1]) + " and " + agencies[-1]
        if len(agencies) > 1
        else (agencies or ["no partner"])[0]
    )
    if provider is demo.providers[demo.open_index]:
        return text.open_discussions[number].format(n_items=len(items), agencies=said, **story)
    if not items:
        return (
            "No new items since the last meeting; discussed at the chair's "
            "request. " + demo.rng.choice(text.discussion_extras)
        )
    # Ties go to the theme code: a set's order changes with the hash seed.
    themes = sorted(
        {t for i in items for t in i.theme_codes},
        key=lambda t: (-sum(t in i.theme_codes for i in items), t),
    )[:2]
    top = max(i.score for i in items)
    theme_labels = labels("themes")
    return (
        f"{len(items)} new items since the last meeting from {said}, mainly "
        f"about {' and '.join(theme_labels[t].lower() for t in themes)}. "
        f"Highest item score {top} ({band_for(top)}). " + demo.rng.choice(text.discussion_extras)
    )


def _decisions_and_actions(
    demo: Demo, meeting: Meeting, number: int, chosen: list[Provider]
) -> None:
    """The open concern's decision, up to two more, and two to five actions."""
    rng, chair, text = demo.rng, demo.chairs["MERTON"], demo.text.meetings
    recorded = at(meeting.held_on + timedelta(days=1), 10)
    meeting.decisions.append(
        Decision(
            provider=chosen[0],
            text=text.open_decisions[number],
            recorded_by_id=chair.id,
            recorded_at=recorded,
        )
    )
    for provider in rng.sample(chosen[1:], rng.randint(0, min(2, len(chosen) - 1))):
        meeting.decisions.append(
            Decision(
                provider=provider,
                text=rng.choice(text.decisions),
                recorded_by_id=chair.id,
                recorded_at=recorded,
            )
        )
    # An action is given once: never twice to one owner about one provider, in one meeting or
    # again at a later one (an open action carries over; it is not agreed anew each month).
    taken = {_what(a) for held in [*demo.held_meetings, meeting] for a in held.actions}
    for _ in range(rng.randint(2, 5)):
        action = _action(demo, number, meeting.held_on, rng.choice(chosen), chair, taken)
        if action is not None:
            meeting.actions.append(action)
            taken.add(_what(action))


def _what(action: Action) -> tuple[str, int, str]:
    """What makes an action the same action: its description, provider and owner."""
    provider_id = action.provider.id if action.provider else 0
    return action.description, provider_id, action.owner_agency.code


def _action(
    demo: Demo,
    number: int,
    held: date,
    provider: Provider,
    chair: User,
    taken: set[tuple[str, int, str]],
) -> Action | None:
    """A new action about the provider, or None when every one it could get is taken."""
    rng, text = demo.rng, demo.text.meetings
    side = demo.plans[demo.providers.index(provider)].side

    def owner_of(code: str) -> str:
        return text.north_owners.get(code, code) if side == "north" else code

    options = [
        a
        for a in text.actions
        if (side == "south" or a.owner != "HWMERTON")
        and (a.text, provider.id, owner_of(a.owner)) not in taken
    ]
    if not options:
        return None
    picked = rng.choice(options)
    owner = owner_of(picked.owner)
    status = rng.choices(list(ActionStatus), text.action_status_weights[number])[0]
    action = Action(
        provider=provider,
        description=picked.text,
        owner_agency=demo.agencies[owner],
        due_on=held + timedelta(days=rng.randint(14, 42)),
        status=status,
        created_by_id=chair.id,
        created_at=at(held, 16, 30),
    )
    if status != ActionStatus.OPEN:
        done = min(held + timedelta(days=rng.randint(5, 40)), demo.last_day)
        action.closed_at = at(done, 11, 15)
        action.closed_by_id = chair.id
        notes = text.closing_notes if status == ActionStatus.DONE else text.dropped_notes
        action.closing_note = rng.choice(notes).format(date=day_month(done))
    return action


def _planned(demo: Demo, watched: list[Provider]) -> Meeting:
    """This month's meeting, planned, with one provider added to its agenda."""
    chair, text = demo.chairs["MERTON"], demo.text.meetings
    planned = Meeting(
        held_on=meeting_day(demo.anchor),
        chair=chair,
        status=MeetingStatus.PLANNED,
        title=f"Joint Intelligence Group – {demo.anchor:%B %Y}",
        location=text.locations[0],
        created_at=at(demo.meeting_dates[2], 16),
        agencies=list(demo.agencies.values()),
    )
    planned.agenda_entries.append(
        MeetingProvider(
            provider=demo.rng.choice(watched[4:]),
            reason=text.added_reason,
            added_by_id=chair.id,
            added_at=at(demo.anchor, 9, 30),
        )
    )
    return planned


def _request_context() -> AbstractContextManager[object]:
    """A request context for rendering documents (their links), unless one is there already."""
    return nullcontext() if has_request_context() else current_app.test_request_context("/")


def issue_packs_and_minutes(demo: Demo) -> None:
    """Each past meeting's pack, issued a week before it; the older two's minutes approved."""
    chair = demo.chairs["MERTON"]
    past = db.session.scalars(
        sa.select(Meeting).where(Meeting.held_on.in_(demo.meeting_dates)).order_by(Meeting.held_on)
    ).all()
    with _request_context():
        for number, meeting in enumerate(past):
            issued = meeting.held_on - timedelta(days=7)
            # The loader commits each pack and each approval, as a chair's request would: the
            # next pack is built from what was committed, not from objects loaded before the
            # demo wrote its items with plain SQL.
            packs.issue_pack(
                chair, meeting, issued, via="demo", issued_at=at(issued, 10), notify=False
            )
            # The day after the meeting its discussions were recorded: it is held.
            meeting.status = MeetingStatus.HELD
            db.session.commit()
            if number < 2:
                approved = meeting.held_on + timedelta(days=12)
                minutes.approve(chair, meeting, approved, approved_at=at(approved, 14))
                db.session.commit()
