"""What the focused agenda's rules read, one query each: risk now and at the last meeting,
poor CQC ratings, overdue actions, new intelligence, and the chair's choices.

Everything about intelligence is read for ``policy.PACK_AUDIENCE`` (CLEAR, GREEN and AMBER),
as the pack is. The rules themselves are ``[meetings.agenda]`` in config/default.toml, read
by ``portal.config.agenda_rules`` (checked at start-up). portal.meetings.proposals applies them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from portal.config import AgendaRules, agenda_rules
from portal.extensions import db
from portal.models import (
    Action,
    IntelligenceItem,
    ItemStatus,
    Meeting,
    MeetingProvider,
    Provider,
    ProviderRating,
    Rating,
)
from portal.policy import PACK_AUDIENCE, readable_items_clause
from portal.risk import RankedProvider, RiskFilters, highest_risk_providers, window_start
from portal.risk_bands import Band

RANKED_LIMIT = 100_000
#: The chair's choice of list (MeetingProvider.listed_for); None leaves it to the rules.
DISCUSSION = "discussion"
NOTING = "noting"
LISTS = (DISCUSSION, NOTING)
BAND_ORDER = tuple(Band)


def current_rules() -> AgendaRules:
    """The group's agenda rules, from the app's settings (needs the app context)."""
    return agenda_rules(current_app.config["PORTAL"])


def band_rank(band: Band) -> int:
    """A band's place, lowest first (for comparing bands)."""
    return BAND_ORDER.index(band)


def ranked_risks(as_of: date, months: int) -> list[RankedProvider]:
    """Every provider's risk over the window ending that day, in the pack's audience (one query)."""
    return highest_risk_providers(
        PACK_AUDIENCE, RiskFilters(), window_start(as_of, months), as_of, RANKED_LIMIT
    )


def poor_ratings(since: date, as_of: date) -> list[tuple[int, Rating, date | None]]:
    """(provider id, rating, published on) of poor overall ratings published since `since`."""
    rows = db.session.execute(
        sa.select(ProviderRating.provider_id, ProviderRating.rating, ProviderRating.published_on)
        .where(ProviderRating.poor_published_between(since, as_of))
        .order_by(ProviderRating.provider_id)
    ).all()
    return [(provider_id, rating, published_on) for provider_id, rating, published_on in rows]


class Overdue(NamedTuple):
    """A provider's overdue actions: how many, and the earliest due date."""

    actions: int
    oldest_due: date


def overdue_actions(meeting: Meeting, as_of: date) -> dict[int, Overdue]:
    """Provider id -> its actions from the group's earlier meetings overdue on that day."""
    rows = db.session.execute(
        sa.select(Action.provider_id, sa.func.count(Action.id), sa.func.min(Action.due_on))
        .join(Meeting, Meeting.id == Action.meeting_id)
        .where(
            Action.provider_id.is_not(None),
            Action.overdue_on(as_of),
            Meeting.held_on < meeting.held_on,
            Meeting.id != meeting.id,
        )
        .group_by(Action.provider_id)
    )
    return {
        int(pid): Overdue(int(n), oldest)
        for pid, n, oldest in rows
        if pid is not None and oldest is not None
    }


def new_item_counts(since: date, as_of: date) -> dict[int, int]:
    """Provider id -> open items in the pack's audience logged after `since`, up to `as_of`.

    "New" as the pack counts it (pack_content._new_items): logged after the end of the last
    meeting's day, up to the end of the day the agenda is read for.
    """
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(item.provider_id, sa.func.count(item.id))
        .where(
            item.status == ItemStatus.OPEN,
            item.logged_at > datetime.combine(since, time.max),
            item.logged_at <= datetime.combine(as_of, time.max),
            readable_items_clause(PACK_AUDIENCE),
        )
        .group_by(item.provider_id)
    )
    return {pid: int(n) for pid, n in rows}


class ChairChoice(NamedTuple):
    """What the chair chose about one provider: added (and why), position, list, removal."""

    added: bool
    reason: str
    position: int | None
    listed_for: str | None
    removed_reason: str | None


def chair_choices(meeting: Meeting) -> dict[int, ChairChoice]:
    """Provider id -> the chair's choice about it (plain rows: there may be hundreds)."""
    chosen = MeetingProvider
    return {
        row.provider_id: ChairChoice(
            row.added,
            row.reason,
            row.position,
            row.listed_for if row.listed_for in LISTS else None,
            row.removed_reason,
        )
        for row in db.session.execute(
            sa.select(
                chosen.provider_id,
                chosen.added,
                chosen.reason,
                chosen.position,
                chosen.listed_for,
                chosen.removed_reason,
            ).where(chosen.meeting_id == meeting.id)
        )
    }


def provider_names(provider_ids: set[int]) -> dict[int, str]:
    """Provider id -> name (one query)."""
    if not provider_ids:
        return {}
    rows = db.session.execute(
        sa.select(Provider.id, Provider.name).where(Provider.id.in_(sorted(provider_ids)))
    ).all()
    return {row.id: row.name for row in rows}
