"""The pack's first page: what changed since the last meeting, across all providers.

New intelligence by agency, providers whose current risk band rose or fell, provider concerns
opened and closed, embargoes come into force and ended, actions closed and overdue, and poor
CQC ratings published. Every state is the model's one rule (``ProviderConcern.open_on``,
``Embargo.in_force_on``, ``Action.is_overdue``) read on the last meeting's day and on the
pack's, never a condition written again here; risk is read for ``policy.PACK_AUDIENCE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.meetings.agenda_facts import band_rank, ranked_risks
from portal.models import (
    Action,
    Embargo,
    Provider,
    ProviderConcern,
    ProviderRating,
    Rating,
)
from portal.risk import (
    ProviderRisk,
    window_months,
)
from portal.risk_bands import Band
from portal.templating import govuk_date

#: A list on the page names at most this many providers, then says how many more.
NAMED = 8


@dataclass(frozen=True)
class BandChange:
    """A provider whose current risk band moved since the last meeting."""

    name: str
    before: Band | None
    now: Band | None

    @property
    def text(self) -> str:
        """ "Cedar Lodge (high to extreme)"."""
        before = self.before.value if self.before else "no score"
        now = self.now.value if self.now else "no score"
        return f"{self.name} ({before} to {now})"


@dataclass(frozen=True)
class Named:
    """Some providers: the first NAMED of them by name, and how many in all."""

    names: list[str]
    total: int

    @property
    def more(self) -> int:
        """How many are left unnamed."""
        return self.total - len(self.names)


def named(names: Sequence[str]) -> Named:
    """The first NAMED names, and the count of all."""
    return Named(list(names[:NAMED]), len(names))


@dataclass
class SinceLastMeeting:
    """What changed between the last meeting's day and the pack's day."""

    since: date
    as_of: date
    new_items: int
    new_items_by_agency: list[tuple[str, int]]
    risen: Named
    fallen: Named
    concerns_opened: Named
    concerns_closed: Named
    embargoes_started: Named
    embargoes_ended: Named
    actions_closed: int
    actions_overdue: int
    poor_ratings: Named


def _risks(on: date) -> dict[int, tuple[str, ProviderRisk]]:
    """Provider id -> (name, current risk) on that day, in the pack's audience (one query)."""
    return {p.id: (p.name, p.risk) for p in ranked_risks(on, window_months())}


def band_changes(since: date, as_of: date) -> tuple[list[BandChange], list[BandChange]]:
    """Providers whose current risk band rose, and those whose band fell, highest now first."""
    before, now = _risks(since), _risks(as_of)
    risen: list[tuple[int, BandChange]] = []
    fallen: list[tuple[int, BandChange]] = []
    for provider_id in now.keys() | before.keys():
        name = (now.get(provider_id) or before[provider_id])[0]
        was = before[provider_id][1] if provider_id in before else None
        is_ = now[provider_id][1] if provider_id in now else None
        rank_was = band_rank(was.band) if was else -1
        rank_now = band_rank(is_.band) if is_ else -1
        change = BandChange(name, was.band if was else None, is_.band if is_ else None)
        score = is_.score if is_ else 0
        if rank_now > rank_was:
            risen.append((score, change))
        elif rank_now < rank_was:
            fallen.append((score, change))
    return (
        [c for _s, c in sorted(risen, key=lambda sc: (-sc[0], sc[1].name))],
        [c for _s, c in sorted(fallen, key=lambda sc: (-sc[0], sc[1].name))],
    )


def _provider_names(query: sa.Select[str]) -> list[str]:
    return list(dict.fromkeys(db.session.scalars(query)))


def concerns_changed(since: date, as_of: date) -> tuple[list[str], list[str]]:
    """Providers whose concern is open now and was not then, and the reverse (two queries)."""
    concern = ProviderConcern
    base = sa.select(Provider.name).join(concern, concern.provider_id == Provider.id)
    opened = base.where(concern.open_on(as_of), sa.not_(concern.open_on(since)))
    closed = base.where(concern.open_on(since), sa.not_(concern.open_on(as_of)))
    return (
        _provider_names(opened.order_by(Provider.name)),
        _provider_names(closed.order_by(Provider.name)),
    )


def embargoes_changed(since: date, as_of: date) -> tuple[list[str], list[str]]:
    """Providers with an embargo in force now and not then, and the reverse (two queries)."""
    base = sa.select(Provider.name).join(Embargo, Embargo.provider_id == Provider.id)
    started = base.where(Embargo.in_force_on(as_of), sa.not_(Embargo.in_force_on(since)))
    ended = base.where(Embargo.in_force_on(since), sa.not_(Embargo.in_force_on(as_of)))
    return (
        _provider_names(started.order_by(Provider.name)),
        _provider_names(ended.order_by(Provider.name)),
    )


def poor_ratings(since: date, as_of: date) -> list[str]:
    """ "Name (Inadequate, 30 November 2026)" for poor overall ratings published since."""
    rows = db.session.execute(
        sa.select(Provider.name, ProviderRating.rating, ProviderRating.published_on)
        .join(ProviderRating, ProviderRating.provider_id == Provider.id)
        .where(ProviderRating.poor_published_between(since, as_of))
        .order_by(ProviderRating.published_on.desc(), Provider.name)
    )
    return [
        f"{name} ({Rating(rating).value}, {govuk_date(published)})"
        for name, rating, published in rows
    ]


def since_last_meeting(
    since: date,
    as_of: date,
    new_by_agency: dict[str, int],
    closed_actions: list[Action],
    open_actions: list[Action],
) -> SinceLastMeeting:
    """The first page's figures (a fixed number of queries)."""
    risen, fallen = band_changes(since, as_of)
    opened, closed = concerns_changed(since, as_of)
    started, ended = embargoes_changed(since, as_of)
    return SinceLastMeeting(
        since=since,
        as_of=as_of,
        new_items=sum(new_by_agency.values()),
        new_items_by_agency=sorted(new_by_agency.items(), key=lambda an: (-an[1], an[0])),
        risen=named([c.text for c in risen]),
        fallen=named([c.text for c in fallen]),
        concerns_opened=named(opened),
        concerns_closed=named(closed),
        embargoes_started=named(started),
        embargoes_ended=named(ended),
        actions_closed=len(closed_actions),
        actions_overdue=sum(1 for a in open_actions if a.is_overdue(as_of)),
        poor_ratings=named(poor_ratings(since, as_of)),
    )
