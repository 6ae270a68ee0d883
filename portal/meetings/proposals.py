"""A meeting's agenda: the providers for discussion, each with why, and those for noting.

The group's rules (``[meetings.agenda]`` in config/default.toml, ``portal.config.AgendaRules``)
decide which providers qualify for discussion: current risk extreme (or the band set), risk up
a band since the last meeting, an open provider concern (with its stage), an embargo in force,
a CQC rating of Inadequate or Requires improvement published since the last meeting, an
overdue action from an earlier meeting, or added by the chair with a reason. Each rule can be
switched off.

The qualifying providers are ranked: the chair's own order (positions) first, then those the
chair added or moved to the discussion list, then those under an embargo or an open provider
concern, then by current risk score (highest first), number of items and name. Providers the
chair added or moved to the discussion list are always for discussion; the others fill the
places up to the cap in that order, and the rest are "also qualified". Every provider not for
discussion with new intelligence since the last meeting (or that the chair moved there) is for
noting. Providers the chair took off, with a reason, are listed as removed (and for noting when
they have new intelligence).

Risk and new intelligence are read only from the items in the pack's audience (CLEAR, GREEN,
AMBER: ``policy.PACK_AUDIENCE``), never from what the chair alone may read. A fixed number of
queries (portal.meetings.agenda_facts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa

from portal.config import AgendaRules, labels
from portal.extensions import db
from portal.meetings import agenda_facts as facts
from portal.meetings.agenda_facts import DISCUSSION, NOTING, ChairChoice, band_rank
from portal.models import (
    Embargo,
    Meeting,
    ProviderConcern,
    ProviderConcernStage,
    Rating,
)
from portal.risk import ProviderRisk, window_months
from portal.risk_bands import Band
from portal.templating import govuk_date

#: Without an earlier meeting, "since the last meeting" means this many days.
FIRST_MEETING_DAYS = 35
ADDED_BY_THE_CHAIR = "Added by the chair"
MOVED_BY_THE_CHAIR = "Moved to the discussion list by the chair"
#: Ranking tiers after the chair's positions: the chair's own choices, then the group's
#: processes (embargo, provider concern), then everything else by risk.
CHAIRS_CHOICE, PROCESS, OTHER = 0, 1, 2


@dataclass
class AgendaEntry:
    """A provider qualifying for discussion (or taken off), with why it is there."""

    provider_id: int
    name: str
    reasons: list[str] = field(default_factory=list)
    risk: ProviderRisk | None = None
    position: int | None = None
    added: bool = False
    removed_reason: str | None = None
    #: The chair's choice of list ("discussion", "noting"), None as the rules say.
    listed_for: str | None = None
    #: CHAIRS_CHOICE, PROCESS or OTHER: its place in the ranking after the chair's positions.
    tier: int = OTHER
    new_items: int = 0

    @property
    def reason(self) -> str:
        """All the reasons in one sentence, as the API and the pack give them."""
        return "; ".join(self.reasons)

    @property
    def score(self) -> int:
        """The current risk score, 0 when there is none (for ordering)."""
        return self.risk.score if self.risk else 0

    @property
    def chosen_by_the_chair(self) -> bool:
        """Added or moved to the discussion list by the chair: for discussion whatever the cap."""
        return self.added or self.listed_for == DISCUSSION


@dataclass
class NotingEntry:
    """A provider for noting: new intelligence since the last meeting, not for discussion."""

    provider_id: int
    name: str
    risk: ProviderRisk | None  # current risk in the pack's audience
    new_items: int  # new items in the pack's audience since the last meeting
    previous_band: Band | None  # its band as of Agenda.since (None: no risk then)

    @property
    def change(self) -> str:
        """How its band moved since the last meeting: "New", "Up from High", "No change"..."""
        now = self.risk.band if self.risk else None
        if self.previous_band is None:
            return "No change" if now is None else "New"
        if now is None or band_rank(now) < band_rank(self.previous_band):
            return f"Down from {self.previous_band.label}"
        if band_rank(now) > band_rank(self.previous_band):
            return f"Up from {self.previous_band.label}"
        return "No change"


@dataclass
class Agenda:
    """The discussion list in order, those also qualified, those for noting, those taken off."""

    entries: list[AgendaEntry]
    removed: list[AgendaEntry]
    since: date
    as_of: date
    #: Whether `since` is the day of the group's previous meeting (else there was none, and
    #: it is FIRST_MEETING_DAYS before this one).
    since_last_meeting: bool = True
    #: Qualified for discussion beyond the cap, in ranking order, each with its reasons.
    also_qualified: list[AgendaEntry] = field(default_factory=list)
    #: Every other provider with new intelligence since `since`, or moved here by the chair.
    noting: list[NotingEntry] = field(default_factory=list)
    rules: AgendaRules = field(default_factory=AgendaRules)

    @property
    def since_label(self) -> str:
        """What the `since` day is, as the pack and the meeting page say it."""
        if self.since_last_meeting:
            return "the last meeting"
        return f"{FIRST_MEETING_DAYS} days before this meeting; the group has no earlier one"

    @property
    def provider_ids(self) -> list[int]:
        """The providers for discussion, in order."""
        return [e.provider_id for e in self.entries]

    @property
    def rule_lines(self) -> list[str]:
        """The rules switched on, as the meeting page lists them."""
        return rule_lines(self.rules)


def rule_lines(rules: AgendaRules) -> list[str]:
    """The group's rules switched on, each as a phrase."""
    lines = [
        (
            rules.current_risk,
            f"current risk {rules.current_risk_band.value}"
            + ("" if rules.current_risk_band is Band.EXTREME else " or above"),
        ),
        (
            rules.risk_up_a_band,
            f"risk up a band since the last meeting, to {rules.risk_up_a_band_to.value}"
            + ("" if rules.risk_up_a_band_to is Band.EXTREME else " or above"),
        ),
        (rules.open_concern, "an open provider concern"),
        (rules.embargo_in_force, "an embargo on new placements in force"),
        (
            rules.poor_cqc_rating,
            "a CQC rating of Inadequate or Requires improvement published since the last meeting",
        ),
        (rules.overdue_action, "an overdue action from an earlier meeting"),
        (rules.chair_additions, "added by the chair"),
    ]
    return [text for on, text in lines if on]


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


def concern_stages(provider_ids: list[int] | None, as_of: date) -> dict[int, tuple[str, date]]:
    """Provider id -> (stage label, since) of provider concerns open on that day (one query).

    Open as ProviderConcern.open_on decides; the stage is the latest recorded by that day, as
    ProviderConcern.stage_on decides.
    """
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
        .where(concern.open_on(as_of))
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
    """Provider id -> the embargo in force on that day (Embargo.in_force_on; one query)."""
    query = (
        sa.select(Embargo).where(Embargo.in_force_on(as_of)).order_by(Embargo.starts_on, Embargo.id)
    )
    if provider_ids is not None:
        query = query.where(Embargo.provider_id.in_(provider_ids))
    return {e.provider_id: e for e in db.session.scalars(query)}


def chair_reason(text: str) -> str:
    """The chair's reason as the agenda gives it, "Added by the chair: ..." said once."""
    words = text.strip()
    while words.lower().startswith(ADDED_BY_THE_CHAIR.lower()):
        words = words[len(ADDED_BY_THE_CHAIR) :].lstrip(" :-–").strip()
    return f"{ADDED_BY_THE_CHAIR}: {words}" if words else ADDED_BY_THE_CHAIR


class _Builder:
    """The entries qualifying for discussion, keyed by provider, as the rules add them."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.entries: dict[int, AgendaEntry] = {}

    def entry(self, provider_id: int) -> AgendaEntry:
        """The provider's entry, made with its name if it has none yet."""
        if provider_id not in self.entries:
            name = self.names.get(provider_id, f"Provider {provider_id}")
            self.entries[provider_id] = AgendaEntry(provider_id, name)
        return self.entries[provider_id]

    def add(self, provider_id: int, reason: str, tier: int = OTHER) -> None:
        """The provider qualifies for this reason."""
        entry = self.entry(provider_id)
        entry.reasons.append(reason)
        entry.tier = min(entry.tier, tier)


@dataclass
class _Facts:
    """What the rules read, loaded once for one agenda."""

    risks: dict[int, ProviderRisk]
    risks_then: dict[int, ProviderRisk]
    concerns: dict[int, tuple[str, date]]
    embargoes: dict[int, Embargo]
    ratings: list[tuple[int, Rating, date | None]]
    overdue: dict[int, facts.Overdue]
    new_items: dict[int, int]
    choices: dict[int, ChairChoice]
    names: dict[int, str]


def _load(meeting: Meeting, rules: AgendaRules, since: date, as_of: date) -> _Facts:
    """Everything the rules switched on read (a fixed number of queries)."""
    months = window_months()
    now, then = facts.ranked_risks(as_of, months), facts.ranked_risks(since, months)
    loaded = _Facts(
        risks={r.id: r.risk for r in now},
        risks_then={r.id: r.risk for r in then},
        concerns=concern_stages(None, as_of) if rules.open_concern else {},
        embargoes=active_embargoes(None, as_of) if rules.embargo_in_force else {},
        ratings=facts.poor_ratings(since, as_of) if rules.poor_cqc_rating else [],
        overdue=facts.overdue_actions(meeting, as_of) if rules.overdue_action else {},
        new_items=facts.new_item_counts(since, as_of),
        choices=facts.chair_choices(meeting),
        names={r.id: r.name for r in now},
    )
    wanted = (
        set(loaded.concerns)
        | set(loaded.embargoes)
        | {r[0] for r in loaded.ratings}
        | set(loaded.overdue)
        | set(loaded.new_items)
        | set(loaded.choices)
    )
    loaded.names |= facts.provider_names(wanted - set(loaded.names))
    return loaded


def _risk_rules(built: _Builder, found: _Facts, rules: AgendaRules, since: date) -> None:
    """Current risk in the band set or above; risk up a band since the last meeting (one reason)."""
    for provider_id, risk in found.risks.items():
        band, then = risk.band, found.risks_then.get(provider_id)
        current = rules.current_risk and band_rank(band) >= band_rank(rules.current_risk_band)
        rose = rules.risk_up_a_band and (then is None or band_rank(band) > band_rank(then.band))
        risen = rose and band_rank(band) >= band_rank(rules.risk_up_a_band_to)
        before = then.band.value if then else "none"
        if current:
            built.add(
                provider_id,
                f"Current risk {risk.score} ({band.value}) from "
                f"{risk.items} {'item' if risk.items == 1 else 'items'}"
                # A band then, and a higher one now: the rise is news (from none it is not).
                + (f", up from {before} since {govuk_date(since)}" if risen and then else ""),
            )
        elif risen:
            built.add(
                provider_id,
                f"Risk up from {before} to {band.value} since {govuk_date(since)}: "
                f"current risk {risk.score} from {risk.items} "
                f"{'item' if risk.items == 1 else 'items'}",
            )


def _other_rules(built: _Builder, found: _Facts) -> None:
    """Concerns, embargoes, poor ratings and overdue actions (each read only when switched on)."""
    for provider_id, (label, stage_on) in found.concerns.items():
        built.add(
            provider_id, f"Open provider concern: {label} (since {govuk_date(stage_on)})", PROCESS
        )
    for provider_id, embargo in found.embargoes.items():
        built.add(
            provider_id,
            f"Embargo on new placements in force since {govuk_date(embargo.starts_on)}",
            PROCESS,
        )
    for provider_id, rating, published_on in found.ratings:
        built.add(
            provider_id,
            f"CQC rated {Rating(rating).value} overall, published {govuk_date(published_on)}",
        )
    for provider_id, overdue in found.overdue.items():
        due = govuk_date(overdue.oldest_due)
        built.add(
            provider_id,
            f"Overdue action, due {due}"
            if overdue.actions == 1
            else f"{overdue.actions} overdue actions, the oldest due {due}",
        )


def _apply_choices(built: _Builder, found: _Facts, rules: AgendaRules) -> None:
    """The chair's additions (when the rules allow them), lists, positions and removals."""
    for provider_id, choice in found.choices.items():
        if choice.added and rules.chair_additions:
            built.add(provider_id, chair_reason(choice.reason), CHAIRS_CHOICE)
            built.entries[provider_id].added = True
        if choice.listed_for == DISCUSSION:
            entry = built.entry(provider_id)
            entry.tier = CHAIRS_CHOICE
            if not entry.reasons:
                entry.reasons.append(MOVED_BY_THE_CHAIR)
        entry_or_none = built.entries.get(provider_id)
        if entry_or_none is not None:
            entry_or_none.position = choice.position
            entry_or_none.listed_for = choice.listed_for
            entry_or_none.removed_reason = choice.removed_reason


def _rank(entry: AgendaEntry) -> tuple[bool, int, int, int, int, str, int]:
    """The chair's positions first, then the tier, the highest risk, the most items, the name."""
    return (
        entry.position is None,
        entry.position or 0,
        entry.tier,
        -entry.score,
        -(entry.risk.items if entry.risk else 0),
        entry.name,
        entry.provider_id,
    )


def _capped(ranked: list[AgendaEntry], cap: int) -> tuple[list[AgendaEntry], list[AgendaEntry]]:
    """(for discussion, also qualified): the chair's choices always, the rest up to the cap."""
    room = max(cap - sum(e.chosen_by_the_chair for e in ranked), 0)
    discussion, also = [], []
    for entry in ranked:
        if entry.chosen_by_the_chair:
            discussion.append(entry)
        elif room > 0:
            discussion.append(entry)
            room -= 1
        else:
            also.append(entry)
    return discussion, also


def _noting(found: _Facts, discussed: set[int]) -> list[NotingEntry]:
    """Every provider not for discussion with new items, or moved to noting by the chair."""
    moved = {pid for pid, choice in found.choices.items() if choice.listed_for == NOTING}
    wanted = ({pid for pid, n in found.new_items.items() if n > 0} | moved) - discussed
    rows = [
        NotingEntry(
            provider_id=pid,
            name=found.names.get(pid, f"Provider {pid}"),
            risk=found.risks.get(pid),
            new_items=found.new_items.get(pid, 0),
            previous_band=found.risks_then[pid].band if pid in found.risks_then else None,
        )
        for pid in wanted
    ]
    # Highest current risk first, then the most new items, then by name.
    rows.sort(key=lambda n: (-(n.risk.score if n.risk else 0), -n.new_items, n.name, n.provider_id))
    return rows


def agenda(meeting: Meeting, as_of: date, rules: AgendaRules | None = None) -> Agenda:
    """The agenda for the meeting as of that day, by the group's rules and the chair's choices."""
    rules = rules or facts.current_rules()
    since, since_last_meeting = since_date(meeting)
    found = _load(meeting, rules, since, as_of)
    built = _Builder(found.names)
    _risk_rules(built, found, rules, since)
    _other_rules(built, found)
    _apply_choices(built, found, rules)
    for provider_id, entry in built.entries.items():
        entry.risk = found.risks.get(provider_id)
        entry.new_items = found.new_items.get(provider_id, 0)
    ranked = sorted(built.entries.values(), key=_rank)
    listed = [e for e in ranked if e.removed_reason is None and e.listed_for != NOTING]
    discussion, also = _capped(listed, rules.cap)
    return Agenda(
        entries=discussion,
        removed=[e for e in ranked if e.removed_reason is not None],
        since=since,
        as_of=as_of,
        since_last_meeting=since_last_meeting,
        also_qualified=also,
        noting=_noting(found, {e.provider_id for e in discussion}),
        rules=rules,
    )
