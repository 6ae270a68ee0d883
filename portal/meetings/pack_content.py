"""What a meeting pack holds: everything it shows, loaded for the pack's audience.

Everything the pack shows about intelligence is read for ``policy.PACK_AUDIENCE`` (CLEAR,
GREEN and AMBER items only), whoever builds it: the agenda and why each provider is on it,
the summary and heatmaps, each provider's section, the action log, and what changed since
the previous issued version. A fixed number of queries whatever the size of the agenda. The
pack is laid out by portal.meetings.pack_rendering and issued by portal.meetings.packs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, raiseload, selectinload

from portal import heatmap as heatmaps
from portal.ecm.chart import CareMonitoringFigure, care_monitoring_figure
from portal.ecm.measures import care_monitoring_for_audience, thresholds
from portal.extensions import db
from portal.meetings.proposals import (
    Agenda,
    AgendaEntry,
    active_embargoes,
    agenda,
    concern_stages,
    end_of,
)
from portal.models import (
    Action,
    Agency,
    Embargo,
    IntelligenceItem,
    ItemStatus,
    KeyQuestion,
    Meeting,
    MeetingPack,
    Provider,
    User,
)
from portal.policy import PACK_AUDIENCE, readable_items_clause
from portal.providers.services import RatingLine, rating_lines
from portal.risk import (
    EXPLANATION,
    ProviderRisk,
    last_months,
    month_bounds,
    provider_key_question_scores,
    provider_month_scores,
    window_months,
    window_start,
)

#: Provider id -> (year, month) -> the month's highest score and count, as the risk module gives.
MonthScores = dict[int, dict[tuple[int, int], ProviderRisk]]


@dataclass
class ProviderSection:
    """One agenda provider's section of the pack."""

    entry: AgendaEntry
    provider: Provider
    ratings: list[RatingLine]
    concern_stage: tuple[str, date] | None
    embargo: Embargo | None
    heatmap_row: heatmaps.Heatmap
    items: list[IntelligenceItem]
    actions: list[Action]
    care_monitoring: CareMonitoringFigure | None = None

    @property
    def anchor(self) -> str:
        """The id its heading carries, for the contents' links."""
        return f"provider-{self.provider.id}"


@dataclass(frozen=True)
class Changes:
    """What changed since the previous issued version."""

    previous_version: int
    added: list[str]
    removed: list[str]
    new_items: int


@dataclass
class PackContent:
    """Everything a pack shows, loaded (the template never queries)."""

    meeting: Meeting
    agencies: list[Agency]
    version: int | None
    issued_at: datetime | None
    issued_by: str | None
    agenda: Agenda
    summary_agencies: list[str]
    summary_questions: list[str]
    summary: dict[tuple[str, str], int]
    summary_total: int
    months_heatmap: heatmaps.Heatmap
    key_question_heatmap: heatmaps.Heatmap
    matrix: heatmaps.Heatmap
    sections: list[ProviderSection]
    action_log: list[Action]
    closed_actions: list[Action]
    changes: Changes | None
    explanation: str = EXPLANATION
    item_ids: list[int] = field(default_factory=list)
    #: Whether the chair asked for the items' full texts in an appendix when issuing.
    appendix: bool = False
    #: Why a version issued after the meeting was held was needed ("" when it is no correction).
    correction_reason: str = ""

    @property
    def summary_rows(self) -> list[tuple[str, list[int], int]]:
        """The summary table's rows: agency code, counts per key question, total."""
        totals = Counter[str]()
        for (code, _question), n in self.summary.items():
            totals[code] += n
        return [
            (code, [self.summary.get((code, q), 0) for q in self.summary_questions], totals[code])
            for code in self.summary_agencies
        ]

    @property
    def title(self) -> str:
        """The document's title (the PDF's too)."""
        version = f", version {self.version}" if self.version else " (preview, not issued)"
        return f"{self.meeting.title}: meeting pack{version}"


YOU_MAY_READ = "you may read"
IN_AUDIENCE = "in the pack's audience"


def for_pack(heatmap: heatmaps.Heatmap) -> heatmaps.Heatmap:
    """The heatmap worded for the pack: its cells count the pack's audience, not a reader."""

    def reworded(text: str) -> str:
        return text.replace(YOU_MAY_READ, IN_AUDIENCE)

    rows = [
        replace(row, cells=[replace(c, title=reworded(c.title)) for c in row.cells])
        for row in heatmap.rows
    ]
    return replace(
        heatmap,
        rows=rows,
        description=reworded(heatmap.description),
        empty_note=reworded(heatmap.empty_note),
    )


def _new_items(provider_ids: list[int], since: date, as_of: date) -> list[IntelligenceItem]:
    """Open items in the pack's audience about these providers logged since the last meeting.

    Each comes with its agency (joined) and nothing else: the pack shows no themes,
    recipients or provider of an item (its section names the provider), and loading those
    for hundreds of items was a good part of the preview's time. Other relationships raise
    rather than query.
    """
    if not provider_ids:
        return []
    item = IntelligenceItem
    return list(
        db.session.scalars(
            sa.select(item)
            .options(joinedload(item.source_agency).raiseload("*"), raiseload("*"))
            .where(
                item.provider_id.in_(provider_ids),
                item.status == ItemStatus.OPEN,
                item.logged_at > end_of(since),
                item.logged_at <= end_of(as_of),
                readable_items_clause(PACK_AUDIENCE),
            )
            .order_by(item.provider_id, item.observed_on.desc(), item.id.desc())
        ).unique()
    )


def _summary(since: date, as_of: date) -> dict[tuple[str, str], int]:
    """(agency code, key question) -> new items in the pack's audience, all providers."""
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(Agency.code, item.key_question, sa.func.count(item.id))
        .join(Agency, Agency.id == item.source_agency_id)
        .where(
            item.status == ItemStatus.OPEN,
            item.logged_at > end_of(since),
            item.logged_at <= end_of(as_of),
            readable_items_clause(PACK_AUDIENCE),
        )
        .group_by(Agency.code, item.key_question)
    )
    return {(code, str(question)): int(n) for code, question, n in rows}


def _matrix(provider_ids: list[int], start: date, end: date) -> dict[tuple[int, int], int]:
    """(likelihood, impact) -> open items in the pack's audience about these providers."""
    if not provider_ids:
        return {}
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(item.likelihood, item.impact, sa.func.count(item.id))
        .where(
            item.provider_id.in_(provider_ids),
            item.status == ItemStatus.OPEN,
            item.observed_on >= start,
            item.observed_on <= end,
            readable_items_clause(PACK_AUDIENCE),
        )
        .group_by(item.likelihood, item.impact)
    )
    return {(int(lk), int(im)): int(n) for lk, im, n in rows}


def _actions(meeting: Meeting, since: date) -> tuple[list[Action], list[Action]]:
    """Open actions from earlier meetings (carried over), and those closed since the last.

    Each with its meeting, provider and owner agency, loaded in the same query (the action
    tables show them for every row) and nothing more.
    """
    rows = db.session.scalars(
        sa.select(Action)
        .options(
            contains_eager(Action.meeting).raiseload("*"),
            joinedload(Action.provider).raiseload("*"),
            joinedload(Action.owner_agency).raiseload("*"),
        )
        .join(Meeting, Meeting.id == Action.meeting_id)
        .where(
            Meeting.held_on < meeting.held_on,
            sa.or_(Action.open_clause(), Action.closed_at > end_of(since)),
        )
        .order_by(sa.case((Action.due_on.is_(None), 1), else_=0), Action.due_on, Action.id)
    ).all()
    open_actions = [a for a in rows if a.is_open]
    return open_actions, [a for a in rows if not a.is_open]


def _changes(
    previous: MeetingPack | None, entries: list[AgendaEntry], item_ids: list[int]
) -> Changes | None:
    if previous is None:
        return None
    before = {int(e["provider_id"]): str(e["name"]) for e in previous.agenda}
    now = {e.provider_id: e.name for e in entries}
    return Changes(
        previous_version=previous.version,
        added=[name for pid, name in now.items() if pid not in before],
        removed=[name for pid, name in before.items() if pid not in now],
        new_items=len(set(item_ids) - set(previous.item_ids)),
    )


def _providers(provider_ids: list[int]) -> dict[int, Provider]:
    """The agenda's providers by id, with their ratings (two queries)."""
    return {
        p.id: p
        for p in db.session.scalars(
            sa.select(Provider)
            .options(selectinload(Provider.ratings))
            .where(Provider.id.in_(provider_ids))
        )
    }


def _sections(
    plan: Agenda,
    providers: dict[int, Provider],
    items: list[IntelligenceItem],
    open_actions: list[Action],
    months: list[tuple[int, int]],
    month_scores: MonthScores,
    as_of: date,
) -> list[ProviderSection]:
    """One section per agenda provider, in the agenda's order (a fixed number of queries)."""
    ids = plan.provider_ids
    by_provider: dict[int, list[IntelligenceItem]] = {}
    for item in items:
        by_provider.setdefault(item.provider_id, []).append(item)
    stages = concern_stages(ids, as_of)
    embargoes = active_embargoes(ids, as_of)
    # Electronic care monitoring in the pack's audience (CLEAR, GREEN, AMBER), one query.
    monitoring = care_monitoring_for_audience(ids, as_of)
    missed_alert = thresholds().missed_alert_percent
    return [
        ProviderSection(
            entry=entry,
            provider=providers[entry.provider_id],
            ratings=rating_lines(providers[entry.provider_id]),
            concern_stage=stages.get(entry.provider_id),
            embargo=embargoes.get(entry.provider_id),
            heatmap_row=for_pack(
                heatmaps.month_heatmap(
                    f"pack-row-{entry.provider_id}",
                    [(entry.provider_id, entry.name)],
                    months,
                    month_scores,
                )
            ),
            items=by_provider.get(entry.provider_id, []),
            actions=[a for a in open_actions if a.provider_id == entry.provider_id],
            care_monitoring=care_monitoring_figure(
                monitoring[entry.provider_id],
                missed_alert,
                key=f"pack-ecm-{entry.provider_id}",
            ),
        )
        for entry in plan.entries
    ]


def _overview(
    named: list[tuple[int, str]],
    months: list[tuple[int, int]],
    month_scores: MonthScores,
    as_of: date,
) -> tuple[heatmaps.Heatmap, heatmaps.Heatmap, heatmaps.Heatmap]:
    """The overview's heatmaps: providers by month, by key question, and the risk matrix."""
    ids = [provider_id for provider_id, _name in named]
    window = window_start(as_of, window_months())
    period = heatmaps.period_text(window, as_of)
    return (
        for_pack(heatmaps.month_heatmap("pack-months", named, months, month_scores)),
        for_pack(
            heatmaps.key_question_heatmap(
                "pack-key-questions",
                named,
                provider_key_question_scores(PACK_AUDIENCE, ids, window, as_of),
                period,
            )
        ),
        for_pack(
            heatmaps.matrix_heatmap(
                "pack-matrix", _matrix(ids, month_bounds(months[0])[0], as_of), period
            )
        ),
    )


def build_pack(
    meeting: Meeting,
    today: date,
    version: int | None = None,
    issued_at: datetime | None = None,
    issued_by: User | None = None,
    *,
    appendix: bool = False,
) -> PackContent:
    """The pack's content as of the meeting day (or today, if earlier); `appendix` asks for
    the items' full texts at the end."""
    as_of = min(today, meeting.held_on)
    plan = agenda(meeting, as_of)
    ids = plan.provider_ids
    providers = _providers(ids)
    months = last_months(as_of, 12)
    month_scores = provider_month_scores(PACK_AUDIENCE, ids, months)
    items = _new_items(ids, plan.since, as_of)
    open_actions, closed_actions = _actions(meeting, plan.since)
    sections = _sections(plan, providers, items, open_actions, months, month_scores, as_of)
    summary = _summary(plan.since, as_of)
    previous = meeting.packs[-1] if meeting.packs else None
    item_ids = sorted(i.id for i in items)
    agencies = sorted(meeting.agencies, key=lambda a: a.name)
    named = [(e.provider_id, e.name) for e in plan.entries]
    months_heatmap, key_question_heatmap, matrix = _overview(named, months, month_scores, as_of)
    return PackContent(
        meeting=meeting,
        agencies=agencies,
        version=version,
        issued_at=issued_at,
        issued_by=issued_by.name if issued_by else None,
        agenda=plan,
        summary_agencies=sorted({code for code, _ in summary}),
        summary_questions=[q.value for q in KeyQuestion],
        summary=summary,
        summary_total=sum(summary.values()),
        months_heatmap=months_heatmap,
        key_question_heatmap=key_question_heatmap,
        matrix=matrix,
        sections=sections,
        action_log=open_actions,
        closed_actions=closed_actions,
        changes=_changes(previous, plan.entries, item_ids) if version else None,
        item_ids=item_ids,
        appendix=appendix,
    )


def changes_between(meeting: Meeting) -> dict[int, Changes]:
    """Version -> what changed since the version before it (for the meeting page)."""
    result: dict[int, Changes] = {}
    for before, after in zip(meeting.packs, meeting.packs[1:], strict=False):
        now = [
            AgendaEntry(int(e["provider_id"]), str(e["name"]), [str(e.get("reason", ""))])
            for e in after.agenda
        ]
        found = _changes(before, now, list(after.item_ids))
        if found is not None:
            result[after.version] = found
    return result
