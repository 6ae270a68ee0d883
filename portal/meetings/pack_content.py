"""What a meeting pack holds: everything it shows, loaded for the pack's audience.

Everything the pack shows about intelligence is read for ``policy.PACK_AUDIENCE`` (CLEAR,
GREEN and AMBER items only), whoever builds it: what changed since the last meeting
(portal.meetings.pack_changes), the agenda and why each provider is on it, the providers for
noting, the summary by agency and heatmaps, each provider's section
(portal.meetings.pack_sections), the action log, what changed since the previous issued
version, and the full texts in an appendix when the chair asks for one. A fixed number of
queries whatever the size of the agenda. The pack is laid out by
portal.meetings.pack_rendering and issued by portal.meetings.packs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from portal import heatmap as heatmaps
from portal.extensions import db
from portal.meetings.pack_changes import SinceLastMeeting, since_last_meeting
from portal.meetings.pack_sections import (
    MonthScores,
    ProviderSection,
    for_pack,
    heatmap_pages,
    months_heatmap,
    new_items,
    providers,
    sections,
)
from portal.meetings.proposals import (
    Agenda,
    AgendaEntry,
    agenda,
    end_of,
)
from portal.models import (
    Action,
    Agency,
    IntelligenceItem,
    ItemStatus,
    KeyQuestion,
    Meeting,
    MeetingPack,
    User,
)
from portal.policy import PACK_AUDIENCE, readable_items_clause
from portal.risk import (
    EXPLANATION,
    last_months,
    month_bounds,
    provider_key_question_scores,
    provider_month_scores,
    window_months,
    window_start,
)


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
    since_last_meeting: SinceLastMeeting | None = None
    explanation: str = EXPLANATION
    item_ids: list[int] = field(default_factory=list)
    #: Whether the chair asked for the items' full texts in an appendix when issuing.
    appendix: bool = False
    #: Why a version issued after the meeting was held was needed ("" when it is no correction).
    correction_reason: str = ""

    @property
    def summary_rows(self) -> list[tuple[str, list[int], int]]:
        """The summary table's rows: agency name, counts per key question, total."""
        totals = Counter[str]()
        for (agency, _question), n in self.summary.items():
            totals[agency] += n
        return [
            (
                agency,
                [self.summary.get((agency, q), 0) for q in self.summary_questions],
                totals[agency],
            )
            for agency in self.summary_agencies
        ]

    @property
    def figures(self) -> list[heatmaps.Heatmap]:
        """The heatmaps as printed: each providers' heatmap in parts of at most 25 providers
        (one a page), then the risk matrix."""
        return [
            *heatmap_pages(self.months_heatmap),
            *heatmap_pages(self.key_question_heatmap),
            self.matrix,
        ]

    @property
    def overdue_actions(self) -> int:
        """How many of the action log's open actions are overdue on the pack's day."""
        return sum(1 for a in self.action_log if a.is_overdue(self.agenda.as_of))

    @property
    def title(self) -> str:
        """The document's title (the PDF's too)."""
        version = f", version {self.version}" if self.version else " (preview, not issued)"
        return f"{self.meeting.title}: meeting pack{version}"


def _summary(since: date, as_of: date) -> dict[tuple[str, str], int]:
    """(agency name, key question) -> new items in the pack's audience, all providers."""
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(Agency.name, item.key_question, sa.func.count(item.id))
        .join(Agency, Agency.id == item.source_agency_id)
        .where(
            item.status == ItemStatus.OPEN,
            item.logged_at > end_of(since),
            item.logged_at <= end_of(as_of),
            readable_items_clause(PACK_AUDIENCE),
        )
        .group_by(Agency.name, item.key_question)
    )
    return {(name, str(question)): int(n) for name, question, n in rows}


def _by_agency(summary: dict[tuple[str, str], int]) -> dict[str, int]:
    """Agency name -> its new items, from the summary."""
    totals = Counter[str]()
    for (agency, _question), n in summary.items():
        totals[agency] += n
    return dict(totals)


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
        months_heatmap("pack-months", named, months, month_scores, as_of),
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
    months = last_months(as_of, 12)
    month_scores = provider_month_scores(PACK_AUDIENCE, ids, months)
    items = new_items(ids, plan.since, as_of)
    open_actions, closed_actions = _actions(meeting, plan.since)
    summary = _summary(plan.since, as_of)
    previous = meeting.packs[-1] if meeting.packs else None
    item_ids = sorted(i.id for i in items)
    agencies = sorted(meeting.agencies, key=lambda a: a.name)
    named = [(e.provider_id, e.name) for e in plan.entries]
    by_month, by_question, matrix = _overview(named, months, month_scores, as_of)
    return PackContent(
        meeting=meeting,
        agencies=agencies,
        version=version,
        issued_at=issued_at,
        issued_by=issued_by.name if issued_by else None,
        agenda=plan,
        summary_agencies=sorted({agency for agency, _ in summary}),
        summary_questions=[q.value for q in KeyQuestion],
        summary=summary,
        summary_total=sum(summary.values()),
        months_heatmap=by_month,
        key_question_heatmap=by_question,
        matrix=matrix,
        sections=sections(plan, providers(ids), items, open_actions, months, month_scores, as_of),
        action_log=open_actions,
        closed_actions=closed_actions,
        changes=_changes(previous, plan.entries, item_ids) if version else None,
        since_last_meeting=since_last_meeting(
            plan.since, as_of, _by_agency(summary), closed_actions, open_actions
        ),
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
