"""The dashboard's work lists: new intelligence, open actions, minutes due, concerns and
embargoes.

Each list is one query returning plain rows, or for new intelligence the items themselves
with their provider and agency (with the total beside the rows shown where the list is cut
short), so the page costs the same whatever the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, raiseload

from portal.config import labels
from portal.extensions import db
from portal.models import (
    Action,
    ActionStatus,
    Embargo,
    IntelligenceItem,
    ItemStatus,
    Meeting,
    Provider,
    ProviderConcern,
    ProviderConcernStage,
    User,
)
from portal.policy import (
    Reader,
    can_update_agency_actions,
    readable_items_clause,
    runnable_meetings_clause,
)
from portal.templating import optional_url

NEW_ITEMS_SHOWN = 10
ACTIONS_SHOWN = 25
LIST_LIMIT = 50
NEW_SINCE_DAYS = 14
PROVIDER_ENDPOINT = "providers.view_provider"
UPDATE_ACTION_ENDPOINT = "meetings.update_action"
MINUTES_ENDPOINT = "meetings.view_minutes"


def provider_url(provider_id: int | None) -> str | None:
    """The provider's page, when there is a provider and a provider page."""
    return optional_url(PROVIDER_ENDPOINT, provider_id=provider_id) if provider_id else None


@dataclass(frozen=True)
class ActionRow:
    """An open action owned by the user's agency."""

    description: str
    provider_name: str | None
    provider_url: str | None
    due_on: date | None
    status: str
    overdue: bool
    meeting_on: date
    #: Where the user updates the action (owner agencies' members and chairs), else None.
    update_url: str | None = None


@dataclass(frozen=True)
class MinutesDueRow:
    """A held meeting the user runs whose minutes wait for approval."""

    title: str
    held_on: date
    minutes_url: str | None


@dataclass(frozen=True)
class ConcernRow:
    """An open provider concern and the stage it has reached."""

    provider_name: str
    provider_url: str | None
    stage: str
    stage_on: date | None
    opened_at: datetime
    concern_url: str | None = None


@dataclass(frozen=True)
class EmbargoRow:
    """An embargo on placements in force today."""

    provider_name: str
    provider_url: str | None
    starts_on: date
    ends_on: date | None
    reason: str


def new_since(user: User, today: date) -> tuple[datetime, bool]:
    """Since when items count as new: the previous sign-in, else the last 14 days."""
    if user.previous_sign_in_at is not None:
        return user.previous_sign_in_at, True
    return datetime.combine(today - timedelta(days=NEW_SINCE_DAYS), time.min), False


def new_items_for(user: Reader, since: datetime) -> tuple[list[IntelligenceItem], int]:
    """The newest open items logged since then that the user may read, and how many (one query).

    Each item comes with its provider and agency (joined) and nothing else: its other
    relationships raise rather than query, as the table of items does not show them.
    """
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(item, sa.func.count().over())
        .options(
            joinedload(item.provider).raiseload("*"),
            joinedload(item.source_agency).raiseload("*"),
            raiseload("*"),
        )
        .where(item.status == ItemStatus.OPEN, item.logged_at > since, readable_items_clause(user))
        .order_by(item.logged_at.desc(), item.id.desc())
        .limit(NEW_ITEMS_SHOWN)
    ).all()
    return [found for found, _total in rows], int(rows[0][1]) if rows else 0


def open_actions(user: User, today: date) -> tuple[list[ActionRow], int]:
    """Open actions owned by the user's agency, soonest due first (one query).

    Each links to its update page when the user may update it: every action here is their
    agency's (policy.can_update_agency_actions).
    """
    may_update = can_update_agency_actions(user)
    rows = db.session.execute(
        sa.select(
            Action.id,
            Action.description,
            Action.due_on,
            Action.status,
            Provider.id,
            Provider.name,
            Meeting.held_on,
            Action.overdue_on(today),
            sa.func.count().over(),
        )
        .join(Meeting, Meeting.id == Action.meeting_id)
        .outerjoin(Provider, Provider.id == Action.provider_id)
        .where(Action.owner_agency_id == user.agency_id, Action.open_clause())
        .order_by(sa.case((Action.due_on.is_(None), 1), else_=0), Action.due_on, Action.id)
        .limit(ACTIONS_SHOWN)
    ).all()
    actions = [
        ActionRow(
            description=description,
            provider_name=provider_name,
            provider_url=provider_url(provider_id),
            due_on=due_on,
            status=ActionStatus(status).value,
            overdue=bool(overdue),
            meeting_on=held_on,
            update_url=optional_url(UPDATE_ACTION_ENDPOINT, action_id=action_id)
            if may_update
            else None,
        )
        for (
            action_id,
            description,
            due_on,
            status,
            provider_id,
            provider_name,
            held_on,
            overdue,
            _total,
        ) in rows
    ]
    return actions, int(rows[0][-1]) if rows else 0


def minutes_due(user: Reader, today: date) -> list[MinutesDueRow]:
    """Held meetings without approved minutes that the user runs, oldest first (one query).

    Held and due as Meeting.minutes_due_by decides; runs as policy.runnable_meetings_clause
    (the rule of can_run_meeting). Empty for anyone who runs no meeting.
    """
    rows = db.session.execute(
        sa.select(Meeting.id, Meeting.title, Meeting.held_on)
        .where(Meeting.minutes_due_by(today), runnable_meetings_clause(user))
        .order_by(Meeting.held_on, Meeting.id)
        .limit(LIST_LIMIT)
    )
    return [
        MinutesDueRow(
            title=title,
            held_on=held_on,
            minutes_url=optional_url(MINUTES_ENDPOINT, meeting_id=meeting_id),
        )
        for meeting_id, title, held_on in rows
    ]


def open_concerns(today: date) -> list[ConcernRow]:
    """Provider concerns open today (ProviderConcern.open_on) with the latest stage recorded
    by today (as ProviderConcern.stage_on decides; one query)."""
    stage = ProviderConcernStage
    latest = (
        sa.select(
            stage.concern_id,
            stage.stage,
            stage.occurred_on,
            sa.func.row_number()
            .over(
                partition_by=stage.concern_id,
                order_by=(stage.occurred_on.desc(), stage.id.desc()),
            )
            .label("place"),
        ).where(stage.occurred_on <= today)
    ).subquery()
    rows = db.session.execute(
        sa.select(
            Provider.id,
            Provider.name,
            latest.c.stage,
            latest.c.occurred_on,
            ProviderConcern.opened_at,
            ProviderConcern.id,
        )
        .join(Provider, Provider.id == ProviderConcern.provider_id)
        .outerjoin(latest, sa.and_(latest.c.concern_id == ProviderConcern.id, latest.c.place == 1))
        .where(ProviderConcern.open_on(today))
        .order_by(Provider.name, ProviderConcern.id)
        .limit(LIST_LIMIT)
    )
    stage_labels = labels("concern_stages")
    return [
        ConcernRow(
            provider_name=name,
            provider_url=provider_url(provider_id),
            stage=stage_labels.get(str(code), str(code)) if code else "No stage recorded yet",
            stage_on=stage_on,
            opened_at=opened_at,
            concern_url=optional_url("concerns.view_concern", concern_id=concern_id),
        )
        for provider_id, name, code, stage_on, opened_at, concern_id in rows
    ]


def active_embargoes(today: date) -> list[EmbargoRow]:
    """Embargoes in force today (not lifted), as Embargo.in_force_on decides (one query)."""
    rows = db.session.execute(
        sa.select(Provider.id, Provider.name, Embargo.starts_on, Embargo.ends_on, Embargo.reason)
        .join(Provider, Provider.id == Embargo.provider_id)
        .where(Embargo.in_force_on(today))
        .order_by(Embargo.starts_on.desc(), Embargo.id)
        .limit(LIST_LIMIT)
    )
    return [
        EmbargoRow(
            provider_name=name,
            provider_url=provider_url(provider_id),
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
        )
        for provider_id, name, starts_on, ends_on, reason in rows
    ]
