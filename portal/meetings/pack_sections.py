"""A meeting pack's section per provider for discussion, and its heatmaps' layout for print.

Each section shows the provider's ratings, concern stage, embargo, 12-month heatmap row,
electronic care monitoring, open actions, and its new intelligence since the last meeting:
each item's title, grading, score and band, and its first EXCERPT_WORDS words with its
reference in the portal (the full texts go in the pack's appendix only when the chair asks).
Everything is read for ``policy.PACK_AUDIENCE``, in a fixed number of queries. The pack as a
whole is portal.meetings.pack_content.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, raiseload, selectinload

from portal import heatmap as heatmaps
from portal.ecm.chart import CareMonitoringFigure, care_monitoring_figure
from portal.ecm.measures import care_monitoring_for_audience, thresholds
from portal.extensions import db
from portal.meetings.proposals import (
    Agenda,
    AgendaEntry,
    active_embargoes,
    concern_stages,
    end_of,
)
from portal.models import Action, Embargo, IntelligenceItem, ItemStatus, Provider
from portal.policy import PACK_AUDIENCE, readable_items_clause
from portal.providers.services import RatingLine, rating_lines
from portal.risk import ProviderRisk

#: Provider id -> (year, month) -> the month's highest score and count, as the risk module gives.
MonthScores = dict[int, dict[tuple[int, int], ProviderRisk]]

#: How much of an item's text a provider's section shows (the rest is read in the portal).
EXCERPT_WORDS = 60
#: At most this many providers on one heatmap page (a longer agenda gets several).
HEATMAP_ROWS_PER_PAGE = 25
#: The months heatmap's geometry in the pack: narrow enough that, drawn across the page's
#: width (186 mm: A4 less print.css's margins), its text is at least 8 pt (a test checks it in
#: the PDF), and wide enough for "20 (11)" in bold in a cell.
PACK_LABEL_WIDTH, PACK_CELL_WIDTH = 190, 60

YOU_MAY_READ = "you may read"
IN_AUDIENCE = "in the pack's audience"


@dataclass(frozen=True)
class PackItem:
    """A new item as a provider's section shows it: its first words, and whether cut."""

    item: IntelligenceItem
    excerpt: str
    cut: bool


@dataclass
class ProviderSection:
    """One agenda provider's section of the pack."""

    entry: AgendaEntry
    provider: Provider
    ratings: list[RatingLine]
    concern_stage: tuple[str, date] | None
    embargo: Embargo | None
    heatmap_row: heatmaps.Heatmap
    items: list[PackItem]
    actions: list[Action]
    care_monitoring: CareMonitoringFigure | None = None

    @property
    def anchor(self) -> str:
        """The id its heading carries, for the contents' links."""
        return f"provider-{self.provider.id}"


def excerpt(text: str, words: int = EXCERPT_WORDS) -> tuple[str, bool]:
    """The text's first `words` words (its line breaks as spaces), and whether it was cut."""
    found = text.split()
    return " ".join(found[:words]), len(found) > words


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


def no_data_yet(
    months: list[tuple[int, int]], month_scores: MonthScores, as_of: date
) -> set[tuple[int, int]]:
    """The month just begun, when no provider of the pack has an item from it yet."""
    current = (as_of.year, as_of.month)
    if current not in months or any(current in scores for scores in month_scores.values()):
        return set()
    return {current}


def months_heatmap(
    key: str,
    named: list[tuple[int, str]],
    months: list[tuple[int, int]],
    month_scores: MonthScores,
    as_of: date,
) -> heatmaps.Heatmap:
    """Providers by month as the pack draws it: its geometry, its audience, no data yet."""
    drawn = heatmaps.month_heatmap(
        key, named, months, month_scores, no_data_yet=no_data_yet(months, month_scores, as_of)
    )
    return for_pack(replace(drawn, label_width=PACK_LABEL_WIDTH, cell_width=PACK_CELL_WIDTH))


def heatmap_pages(heatmap: heatmaps.Heatmap) -> list[heatmaps.Heatmap]:
    """The heatmap in parts of at most HEATMAP_ROWS_PER_PAGE providers, one per page."""
    return heatmaps.split(heatmap, HEATMAP_ROWS_PER_PAGE)


def new_items(provider_ids: list[int], since: date, as_of: date) -> list[IntelligenceItem]:
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


def providers(provider_ids: list[int]) -> dict[int, Provider]:
    """The agenda's providers by id, with their ratings (two queries)."""
    return {
        p.id: p
        for p in db.session.scalars(
            sa.select(Provider)
            .options(selectinload(Provider.ratings))
            .where(Provider.id.in_(provider_ids))
        )
    }


def _pack_items(items: list[IntelligenceItem]) -> dict[int, list[PackItem]]:
    """Provider id -> its items, each with its excerpt."""
    by_provider: dict[int, list[PackItem]] = {}
    for item in items:
        text, cut = excerpt(item.body)
        by_provider.setdefault(item.provider_id, []).append(PackItem(item, text, cut))
    return by_provider


def sections(
    plan: Agenda,
    loaded: dict[int, Provider],
    items: list[IntelligenceItem],
    open_actions: list[Action],
    months: list[tuple[int, int]],
    month_scores: MonthScores,
    as_of: date,
) -> list[ProviderSection]:
    """One section per agenda provider, in the agenda's order (a fixed number of queries)."""
    ids = plan.provider_ids
    by_provider = _pack_items(items)
    stages = concern_stages(ids, as_of)
    embargoes = active_embargoes(ids, as_of)
    # Electronic care monitoring in the pack's audience (CLEAR, GREEN, AMBER), one query.
    monitoring = care_monitoring_for_audience(ids, as_of)
    missed_alert = thresholds().missed_alert_percent
    return [
        ProviderSection(
            entry=entry,
            provider=loaded[entry.provider_id],
            ratings=rating_lines(loaded[entry.provider_id]),
            concern_stage=stages.get(entry.provider_id),
            embargo=embargoes.get(entry.provider_id),
            heatmap_row=months_heatmap(
                f"pack-row-{entry.provider_id}",
                [(entry.provider_id, entry.name)],
                months,
                month_scores,
                as_of,
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
