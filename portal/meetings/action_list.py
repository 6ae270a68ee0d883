"""The actions page: the actions agreed at every meeting the user may read, filtered and paged.

Which meetings is the policy's (``readable_meetings_clause``); overdue is the model's one rule
(``Action.overdue_on`` in SQL, ``Action.is_overdue`` per row); who may update an action is
``can_update_action``. A page costs the same fixed number of queries however many rows it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from portal.extensions import db
from portal.inputs import parse_id
from portal.models import Action, ActionStatus, Agency, Meeting, Provider
from portal.paging import Page, clamp_page, page_offset
from portal.policy import Reader, can_update_action, readable_meetings_clause

#: The status filter's values, in the order the page offers them; the first is the default.
STATUSES = {
    ActionStatus.OPEN.value: "Open",
    ActionStatus.DONE.value: "Done",
    ActionStatus.DROPPED.value: "Dropped",
    "any": "Any status",
}
DEFAULT_STATUS = ActionStatus.OPEN.value
#: A filter value longer than this is no id or status: it is refused without being read.
MAX_FILTER_LENGTH = 40
#: The messages for a filter value the page does not offer (the filter is then not applied).
UNKNOWN = {
    "owner": "Choose an owner agency from the list",
    "status": "Choose a status from the list",
    "meeting": "Choose a meeting from the list",
    "provider": "Choose a provider from the list",
}


@dataclass(frozen=True)
class FilterChoices:
    """What each filter offers: only owners, meetings and providers of actions the user sees."""

    owners: list[tuple[int, str]]
    meetings: list[tuple[int, str, date]]
    providers: list[tuple[int, str]]


@dataclass
class ActionFilters:
    """What the reader asked the page to show; a value it does not offer is an error, unused."""

    owner_id: int | None = None
    status: str = DEFAULT_STATUS
    overdue: bool = False
    meeting_id: int | None = None
    provider_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether any filter differs from the page's default (open actions of every meeting)."""
        return bool(
            self.owner_id
            or self.status != DEFAULT_STATUS
            or self.overdue
            or self.meeting_id
            or self.provider_id
        )

    def query_args(self) -> dict[str, Any]:
        """The filters as query-string arguments, for paging links that keep them."""
        args: dict[str, Any] = {
            "owner": self.owner_id,
            "status": self.status if self.status != DEFAULT_STATUS else None,
            "overdue": "y" if self.overdue else None,
            "meeting": self.meeting_id,
            "provider": self.provider_id,
        }
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class ActionRow:
    """One action on the page, with what the user may do about it."""

    action: Action
    overdue: bool
    may_update: bool


def _visible(*columns: Any) -> sa.Select[Any]:
    """These columns of actions joined to their meeting (the policy's clause is on Meeting)."""
    return sa.select(*columns).join_from(Action, Meeting, Meeting.id == Action.meeting_id)


def filter_choices(user: Reader) -> FilterChoices:
    """The owners, meetings and providers of the actions the user may see (three queries)."""
    readable = readable_meetings_clause(user)
    owners = db.session.execute(
        sa.select(Agency.id, Agency.name)
        .where(Agency.id.in_(_visible(Action.owner_agency_id).where(readable)))
        .order_by(Agency.name, Agency.id)
    ).all()
    meetings = db.session.execute(
        sa.select(Meeting.id, Meeting.title, Meeting.held_on)
        .where(readable, Meeting.id.in_(sa.select(Action.meeting_id)))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    ).all()
    providers = db.session.execute(
        sa.select(Provider.id, Provider.name)
        .where(Provider.id.in_(_visible(Action.provider_id).where(readable)))
        .order_by(Provider.name, Provider.id)
    ).all()
    return FilterChoices(
        owners=[(int(i), str(n)) for i, n in owners],
        meetings=[(int(i), str(t), d) for i, t, d in meetings],
        providers=[(int(i), str(n)) for i, n in providers],
    )


def _offered_id(
    args: Mapping[str, str], key: str, offered: set[int], errors: dict[str, str]
) -> int | None:
    """The id the filter names if the page offers it; else None, with a message if one was sent."""
    raw = args.get(key, "")
    if not raw:
        return None
    value = parse_id(raw) if len(raw) <= MAX_FILTER_LENGTH else None
    if value is None or value not in offered:
        errors[key] = UNKNOWN[key]
        return None
    return value


def read_filters(args: Mapping[str, str], choices: FilterChoices) -> ActionFilters:
    """The filters from the query string: a value the page does not offer is explained and
    left out (a bad id, a meeting the user may not read, a status that is not one)."""
    filters = ActionFilters()
    errors = filters.errors
    filters.owner_id = _offered_id(args, "owner", {i for i, _ in choices.owners}, errors)
    filters.meeting_id = _offered_id(args, "meeting", {i for i, _, _ in choices.meetings}, errors)
    filters.provider_id = _offered_id(args, "provider", {i for i, _ in choices.providers}, errors)
    status = args.get("status", "")
    if status in STATUSES:
        filters.status = status
    elif status:
        errors["status"] = UNKNOWN["status"]
    filters.overdue = args.get("overdue", "") not in ("", "n", "no")
    return filters


def _conditions(user: Reader, filters: ActionFilters, today: date) -> list[sa.ColumnElement[bool]]:
    conditions = [readable_meetings_clause(user)]
    if filters.owner_id:
        conditions.append(Action.owner_agency_id == filters.owner_id)
    if filters.status == ActionStatus.OPEN.value:
        conditions.append(Action.open_clause())
    elif filters.status != "any":
        conditions.append(Action.status == ActionStatus(filters.status))
    if filters.overdue:
        conditions.append(Action.overdue_on(today))
    if filters.meeting_id:
        conditions.append(Action.meeting_id == filters.meeting_id)
    if filters.provider_id:
        conditions.append(Action.provider_id == filters.provider_id)
    return conditions


def actions_page(
    user: Reader, filters: ActionFilters, page: int, per_page: int, today: date
) -> Page:
    """A page of ActionRow: overdue first (oldest due first), then by due date, undated last.

    Four queries whatever the page holds: the count, the actions with their meeting, provider
    and owner (and the meeting's chair), and the meetings' invited agencies (which the update
    rule reads).
    """
    conditions = _conditions(user, filters, today)
    total = int(db.session.scalar(_visible(sa.func.count(Action.id)).where(*conditions)) or 0)
    page = clamp_page(page, total, per_page)
    actions = db.session.scalars(
        _visible(Action)
        .options(
            contains_eager(Action.meeting).selectinload(Meeting.agencies),
            contains_eager(Action.meeting).joinedload(Meeting.chair),
            joinedload(Action.provider).raiseload("*"),
            joinedload(Action.owner_agency).raiseload("*"),
        )
        .where(*conditions)
        .order_by(
            sa.case((Action.overdue_on(today), 0), else_=1),
            sa.case((Action.due_on.is_(None), 1), else_=0),
            Action.due_on,
            Action.id,
        )
        .offset(page_offset(page, per_page))
        .limit(per_page)
    ).all()
    rows = [
        ActionRow(
            action=action,
            overdue=action.is_overdue(today),
            may_update=can_update_action(user, action, action.meeting),
        )
        for action in actions
    ]
    return Page(items=rows, total=total, page=page, per_page=per_page)
