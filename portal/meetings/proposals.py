"""The providers proposed for a meeting's discussion, each with the reasons it was chosen.

DESIGN.md's rules: current risk high or extreme, an open provider concern (with its stage),
an active embargo, a CQC rating of Inadequate or Requires improvement published since the
last meeting, or added by the chair with a reason. Risk is read only from the items in the
pack's audience (CLEAR, GREEN, AMBER: ``policy.PACK_AUDIENCE``), never from what the chair
alone may read. The agenda is the proposals without the providers the chair removed,
ordered by the chair's positions and then by risk. A fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NamedTuple

import sqlalchemy as sa

from portal.config import labels
from portal.extensions import db
from portal.models import (
    ConcernStatus,
    Embargo,
    Meeting,
    MeetingProvider,
    Provider,
    ProviderConcern,
    ProviderConcernStage,
    ProviderRating,
    Rating,
    RatingDomain,
)
from portal.policy import PACK_AUDIENCE
from portal.risk import (
    ProviderRisk,
    RiskFilters,
    highest_risk_providers,
    window_months,
    window_start,
)
from portal.risk_bands import Band
from portal.templating import govuk_date

#: Bands whose current risk puts a provider on the agenda.
PROPOSED_BANDS = frozenset({Band.HIGH, Band.EXTREME})
POOR_RATINGS = (Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT)
#: Without an earlier meeting, "since the last meeting" means this many days.
FIRST_MEETING_DAYS = 35
RANKED_LIMIT = 100_000


@dataclass
class AgendaEntry:
    """A provider on (or taken off) a meeting's agenda, with why it is there."""

    provider_id: int
    name: str
    reasons: list[str] = field(default_factory=list)
    risk: ProviderRisk | None = None
    position: int | None = None
    added: bool = False
    removed_reason: str | None = None

    @property
    def reason(self) -> str:
        """All the reasons in one sentence, as the API and the pack give them."""
        return "; ".join(self.reasons)

    @property
    def score(self) -> int:
        """The current risk score, 0 when there is none (for ordering)."""
        return self.risk.score if self.risk else 0


@dataclass
class NotingEntry:
    """A provider for noting: new intelligence since the last meeting, not for discussion."""

    provider_id: int
    name: str
    risk: ProviderRisk | None  # current risk in the pack's audience
    new_items: int
    previous_band: Band | None

    @property
    def change(self) -> str:
        """The band's change since the last meeting, in words: "Up from High", "New"..."""
        if self.previous_band is None:
            return "New"
        order = list(Band)
        now = order.index(self.risk.band) if self.risk else -1
        before = order.index(self.previous_band)
        if now == before:
            return "No change"
        return f"{'Up' if now > before else 'Down'} from {self.previous_band.label}"


@dataclass
class Agenda:
    """The agenda in order, and the providers the chair took off it."""

    entries: list[AgendaEntry]
    removed: list[AgendaEntry]
    since: date
    as_of: date
    #: Whether `since` is the day of the group's previous meeting (else there was none, and
    #: it is FIRST_MEETING_DAYS before this one).
    since_last_meeting: bool = True
    #: Every other provider with new intelligence since the last meeting, one row each.
    noting: list[NotingEntry] = field(default_factory=list)
    #: Providers that met the rules for discussion beyond the cap.
    also_qualified: list[AgendaEntry] = field(default_factory=list)

    @property
    def since_label(self) -> str:
        """What the `since` day is, as the pack and the meeting page say it."""
        if self.since_last_meeting:
            return "the last meeting"
        return f"{FIRST_MEETING_DAYS} days before this meeting; the group has no earlier one"

    @property
    def provider_ids(self) -> list[int]:
        """The agenda's providers, in order."""
        return [e.provider_id for e in self.entries]


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The group's meeting before this one (by date), if any."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.held_on < meeting.held_on, Meeting.id != meeting.id)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(1)
    )


def since_date(meeting: Meeting) -> tuple[date, bool]:
    """The day from which intelligence counts as new, and whether it is the last meeting's.

    Without an earlier meeting it is FIRST_MEETING_DAYS before this one.
    """
    earlier = previous_meeting(meeting)
    if earlier is not None:
        return earlier.held_on, True
    return date.fromordinal(meeting.held_on.toordinal() - FIRST_MEETING_DAYS), False


def end_of(day: date) -> datetime:
    """The last moment of a day, for comparing with timestamps."""
    return datetime.combine(day, time.max)


def _risk_reasons(entries: dict[int, AgendaEntry], as_of: date) -> dict[int, ProviderRisk]:
    """Propose the providers of high or extreme current risk; every provider's current risk.

    The ranking covers every provider with an open item in the pack's audience in the
    window, so its figures are the current risk of every provider (one query, not two).
    """
    months = window_months()
    ranked = highest_risk_providers(
        PACK_AUDIENCE, RiskFilters(), window_start(as_of, months), as_of, RANKED_LIMIT
    )
    for ranked_provider in ranked:
        if ranked_provider.risk.band in PROPOSED_BANDS:
            entry = entries.setdefault(
                ranked_provider.id, AgendaEntry(ranked_provider.id, ranked_provider.name)
            )
            risk = ranked_provider.risk
            entry.reasons.append(
                f"Current risk {risk.score} ({risk.band.value}) from "
                f"{risk.items} {'item' if risk.items == 1 else 'items'}"
            )
    return {ranked_provider.id: ranked_provider.risk for ranked_provider in ranked}


def concern_stages(provider_ids: list[int] | None, as_of: date) -> dict[int, tuple[str, date]]:
    """Provider id -> (stage label, since) of provider concerns open on that day (one query)."""
    stage = ProviderConcernStage
    latest = (
        sa.select(
            stage.concern_id,
            stage.stage,
            stage.occurred_on,
            sa.func.row_number()
            .over(
                partition_by=stage.concern_id, order_by=(stage.occurred_on.desc(), stage.id.desc())
            )
            .label("place"),
        ).where(stage.occurred_on <= as_of)
    ).subquery()
    concern = ProviderConcern
    query = (
        sa.select(concern.provider_id, latest.c.stage, latest.c.occurred_on)
        .outerjoin(latest, sa.and_(latest.c.concern_id == concern.id, latest.c.place == 1))
        .where(
            concern.opened_at <= end_of(as_of),
            sa.or_(
                concern.status == ConcernStatus.OPEN,
                sa.and_(concern.closed_on.is_not(None), concern.closed_on > as_of),
            ),
        )
        .order_by(concern.opened_at, concern.id)
    )
    if provider_ids is not None:
        query = query.where(concern.provider_id.in_(provider_ids))
    stage_labels = labels("concern_stages")
    result: dict[int, tuple[str, date]] = {}
    for provider_id, code, occurred_on in db.session.execute(query):
        if code is None:
            continue
        result[provider_id] = (stage_labels.get(str(code), str(code)), occurred_on)
    return result


def active_embargoes(provider_ids: list[int] | None, as_of: date) -> dict[int, Embargo]:
    """Provider id -> the embargo in force on that day (one query)."""
    query = (
        sa.select(Embargo)
        .where(
            Embargo.starts_on <= as_of,
            sa.or_(Embargo.ends_on.is_(None), Embargo.ends_on >= as_of),
        )
        .order_by(Embargo.starts_on, Embargo.id)
    )
    if provider_ids is not None:
        query = query.where(Embargo.provider_id.in_(provider_ids))
    return {e.provider_id: e for e in db.session.scalars(query)}


def _names(provider_ids: set[int]) -> dict[int, str]:
    if not provider_ids:
        return {}
    rows = db.session.execute(
        sa.select(Provider.id, Provider.name).where(Provider.id.in_(sorted(provider_ids)))
    ).all()
    return {row.id: row.name for row in rows}


def _poor_ratings(since: date, as_of: date) -> list[tuple[int, Rating, date | None]]:
    """(provider id, rating, published on) of poor overall ratings published since `since`."""
    rows = db.session.execute(
        sa.select(ProviderRating.provider_id, ProviderRating.rating, ProviderRating.published_on)
        .where(
            ProviderRating.domain == RatingDomain.OVERALL,
            ProviderRating.rating.in_(POOR_RATINGS),
            ProviderRating.published_on > since,
            ProviderRating.published_on <= as_of,
        )
        .order_by(ProviderRating.provider_id)
    ).all()
    return [(provider_id, rating, published_on) for provider_id, rating, published_on in rows]


class _ChairChoice(NamedTuple):
    """What the chair chose about one provider: added (and why), its position, or removed."""

    added: bool
    reason: str
    position: int | None
    removed_reason: str | None


def _chair_choices(meeting: Meeting) -> dict[int, _ChairChoice]:
    """Provider id -> the chair's choice about it."""
    # Plain rows, not objects: a month's meeting may take hundreds of proposals off.
    chosen = MeetingProvider
    return {
        row.provider_id: _ChairChoice(row.added, row.reason, row.position, row.removed_reason)
        for row in db.session.execute(
            sa.select(
                chosen.provider_id,
                chosen.added,
                chosen.reason,
                chosen.position,
                chosen.removed_reason,
            ).where(chosen.meeting_id == meeting.id)
        )
    }


def _entry(entries: dict[int, AgendaEntry], names: dict[int, str], provider_id: int) -> AgendaEntry:
    """The provider's entry, added with its name if it has none yet."""
    if provider_id not in entries:
        entries[provider_id] = AgendaEntry(provider_id, names[provider_id])
    return entries[provider_id]


def _apply_choices(
    entries: dict[int, AgendaEntry], names: dict[int, str], choices: dict[int, _ChairChoice]
) -> None:
    """The chair's changes: providers added with a reason, positions, and removals."""
    for provider_id, choice in choices.items():
        if choice.added:
            entry = _entry(entries, names, provider_id)
            entry.added = True
            entry.reasons.append(f"Added by the chair: {choice.reason}")
        if provider_id in entries:
            entries[provider_id].position = choice.position
            entries[provider_id].removed_reason = choice.removed_reason


def _agenda_order(entry: AgendaEntry) -> tuple[bool, int, int, int, str, int]:
    """The chair's positions first, then the highest risk, the most items, and the name."""
    return (
        entry.position is None,
        entry.position or 0,
        -entry.score,
        -(entry.risk.items if entry.risk else 0),
        entry.name,
        entry.provider_id,
    )


def agenda(meeting: Meeting, as_of: date) -> Agenda:
    """The proposals for the meeting as of that day, with the chair's changes applied."""
    since, since_last_meeting = since_date(meeting)
    entries: dict[int, AgendaEntry] = {}
    risks = _risk_reasons(entries, as_of)
    concerns = concern_stages(None, as_of)
    embargoes = active_embargoes(None, as_of)
    ratings = _poor_ratings(since, as_of)
    choices = _chair_choices(meeting)
    wanted = set(concerns) | set(embargoes) | {r[0] for r in ratings} | set(choices)
    names = _names(wanted - set(entries))
    for provider_id, (label, stage_on) in concerns.items():
        entry = _entry(entries, names, provider_id)
        entry.reasons.append(f"Open provider concern: {label} (since {govuk_date(stage_on)})")
    for provider_id, embargo in embargoes.items():
        entry = _entry(entries, names, provider_id)
        entry.reasons.append(
            f"Embargo on new placements in force since {govuk_date(embargo.starts_on)}"
        )
    for provider_id, rating, published_on in ratings:
        entry = _entry(entries, names, provider_id)
        entry.reasons.append(
            f"CQC rated {Rating(rating).value} overall, published {govuk_date(published_on)}"
        )
    _apply_choices(entries, names, choices)
    for provider_id, entry in entries.items():
        entry.risk = risks.get(provider_id)
    ordered = sorted(entries.values(), key=_agenda_order)
    return Agenda(
        entries=[e for e in ordered if e.removed_reason is None],
        removed=[e for e in ordered if e.removed_reason is not None],
        since=since,
        as_of=as_of,
        since_last_meeting=since_last_meeting,
    )
