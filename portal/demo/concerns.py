"""The demo's two provider concerns, one open and one closed, and their embargoes on new
placements with the boroughs told of them (concerns.toml)."""

from __future__ import annotations

from datetime import date, timedelta

from portal.demo.text import ConcernStory
from portal.demo.world import Demo, at
from portal.extensions import db
from portal.models import (
    ConcernStage,
    ConcernStatus,
    Decision,
    Embargo,
    EmbargoNotice,
    Meeting,
    ProviderConcern,
    ProviderConcernStage,
    User,
)


def add_concerns(demo: Demo) -> None:
    """The open concern, decided at the first past meeting (its first decision); the closed."""
    first = demo.held_meetings[0]
    _concern(demo, "open", demo.chairs["MERTON"], first, first.decisions[0])
    _concern(demo, "closed", demo.chairs["HARROW"], None, None)


def _concern(
    demo: Demo, name: str, chair: User, meeting: Meeting | None, decision: Decision | None
) -> None:
    story = demo.text.concerns[name]
    index = demo.open_index if name == "open" else demo.closed_index
    provider = demo.providers[index]
    stages = {
        stage: meeting.held_on
        if meeting is not None and stage is ConcernStage.INITIATE
        else demo.anchor - timedelta(days=story.days_before[stage.value])
        for stage in ConcernStage
        if stage.value in story.stages
    }
    closed = ConcernStage.CLOSURE in stages
    db.session.add(
        ProviderConcern(
            provider=provider,
            summary=story.summary,
            opened_by=chair,
            opened_at=at(stages[ConcernStage.INITIATE], 15, 30),
            status=ConcernStatus.CLOSED if closed else ConcernStatus.OPEN,
            closed_on=stages.get(ConcernStage.CLOSURE),
            decision=decision,
            outcome=story.outcome if closed else "",
            stages=[
                ProviderConcernStage(
                    stage=s,
                    occurred_on=d,
                    note=story.stages[s.value],
                    recorded_by_id=chair.id,
                    recorded_at=at(d, 17),
                    meeting=meeting if s is ConcernStage.INITIATE else None,
                )
                for s, d in stages.items()
            ],
        )
    )
    db.session.add(_embargo(demo, index, story, chair))


def _embargo(demo: Demo, index: int, story: ConcernStory, chair: User) -> Embargo:
    """The embargo, and the neighbouring boroughs told of it (and of its lifting)."""
    rng, anchor = demo.rng, demo.anchor
    starts = anchor - timedelta(days=story.embargo_days_before)
    lifted_on: date | None = None
    if story.lifted_days_before:
        lifted_on = anchor - timedelta(days=story.lifted_days_before)
    neighbours = demo.text.places.sides[demo.plans[index].side].neighbours
    boroughs = rng.sample(neighbours, story.boroughs_told)
    notices = [
        EmbargoNotice(
            borough=b,
            notified_on=starts + timedelta(days=rng.randint(0, 3)),
            recorded_by_id=chair.id,
        )
        for b in boroughs
    ]
    if lifted_on is not None:
        notices += [
            EmbargoNotice(
                borough=b,
                notified_on=lifted_on + timedelta(days=rng.randint(0, 2)),
                about_lifting=True,
                recorded_by_id=chair.id,
            )
            for b in boroughs
        ]
    for notice in notices:
        notice.recorded_at = at(notice.notified_on, 12)
    return Embargo(
        provider=demo.providers[index],
        starts_on=starts,
        ends_on=None,
        reason=story.embargo,
        created_by_id=chair.id,
        created_at=at(starts - timedelta(days=1), 16),
        lifted_on=lifted_on,
        lifted_at=at(lifted_on, 16) if lifted_on else None,
        lifted_by_id=chair.id if lifted_on else None,
        lift_reason=story.lifted if lifted_on else "",
        notices=sorted(notices, key=lambda n: n.notified_on),
    )
