"""Who may do and read what: the only place that decides.

Reading intelligence is decided by *principals*. A user holds a set of
principals (``active``, ``role:member``, ``agency:3``, ``agency:3:viewer``,
``user:42``); an item names the principals allowed to read it, from its TLP
marking (DESIGN.md, "Who may read what"). A user may read an item when the two
sets meet. The same rule is given three ways, and tests prove they agree:
``can_read_item`` for one item in Python, ``readable_items_clause`` for SQL
lists, and the principal sets themselves for a search index to filter on.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeAlias, TypeGuard, TypeVar, cast

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal.extensions import login_manager
from portal.models import (
    Action,
    Agency,
    AgencyKind,
    CareVisit,
    ContractVisit,
    Embargo,
    IntelligenceItem,
    ItemRecipient,
    Job,
    Marking,
    Meeting,
    ProviderConcern,
    Role,
    User,
    meeting_agencies,
)

F = TypeVar("F", bound=Callable[..., Any])

#: The markings a circulated meeting pack may contain (built for all members).
PACK_MARKINGS = frozenset({Marking.CLEAR, Marking.GREEN, Marking.AMBER})

#: Plain-English audiences: who the portal lets read an item with each marking (the rule is
#: `item_readers` below), shown beside the marking on forms and pages.
MARKING_AUDIENCE = {
    Marking.CLEAR: "Everyone who can sign in to the portal.",
    Marking.GREEN: (
        "Everyone who can sign in to the portal, as with TLP:CLEAR: what differs is what "
        "readers may pass on."
    ),
    Marking.AMBER: ("Members and chairs of every partner agency, and viewers in your own agency."),
    Marking.AMBER_STRICT: "Everyone in your own agency, and meeting chairs.",
    Marking.RED: "Only you and the people you name as recipients.",
}

#: What a reader may do with an item outside the portal, from FIRST's TLP 2.0 definitions. The
#: portal lets the same people read CLEAR and GREEN; the difference is this rule for readers.
MARKING_SHARING_RULE = {
    Marking.CLEAR: (
        "May be shared publicly: there is no limit on who may be told. "
        "Never use it for anything that names or identifies a person."
    ),
    Marking.GREEN: (
        "May be shared within the group’s community (the partner agencies and their peers), "
        "but not publicly: not with the press, on websites or on social media."
    ),
    Marking.AMBER: (
        "Limited disclosure: readers may share it only on a need-to-know basis, with members "
        "of their own organisation and its clients."
    ),
    Marking.AMBER_STRICT: (
        "Limited disclosure: readers may share it only within their own organisation, "
        "on a need-to-know basis."
    ),
    Marking.RED: (
        "For the eyes and ears of the individual recipients only: no further disclosure, "
        "not even within their own organisation."
    ),
}


class Permission(enum.StrEnum):
    """Things a role lets a user do (reading intelligence is per item, below)."""

    BROWSE = "browse"  # see the portal's pages: providers, lists, search
    LOG_INTELLIGENCE = "log-intelligence"
    ATTEND_MEETINGS = "attend-meetings"  # read the meetings (and packs) one's agency is invited to
    CHAIR_MEETINGS = "chair-meetings"
    ADMINISTER = "administer"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.BROWSE}),
    Role.MEMBER: frozenset(
        {Permission.BROWSE, Permission.LOG_INTELLIGENCE, Permission.ATTEND_MEETINGS}
    ),
    Role.CHAIR: frozenset(
        {
            Permission.BROWSE,
            Permission.LOG_INTELLIGENCE,
            Permission.ATTEND_MEETINGS,
            Permission.CHAIR_MEETINGS,
        }
    ),
    # Administrators manage accounts; they get no extra right to intelligence.
    Role.ADMIN: frozenset({Permission.BROWSE, Permission.ADMINISTER}),
}


class PackAudience:
    """The reader a circulated meeting pack is built for: every member of every agency.

    Pass PACK_AUDIENCE wherever a function takes a Reader whose reads it counts (the risk
    queries, the heatmaps): it reads CLEAR, GREEN and AMBER items and nothing else, whoever
    builds the pack. It holds no principals, so it can never open a page or the API.
    """

    def __repr__(self) -> str:
        return "PACK_AUDIENCE"


PACK_AUDIENCE = PackAudience()

#: Whoever a read is decided for: a user, or the audience a meeting pack is built for. A view
#: passes flask-login's ``current_user``, which is an anonymous user when nobody is signed in:
#: it is no active user, so it holds no principals and may do nothing.
Reader: TypeAlias = User | PackAudience


def is_active_user(user: Reader | None) -> TypeGuard[User]:
    """An authenticated, active user of an active agency."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and isinstance(user, User)
        and user.active
        and user.agency.active
    )


def active_user_clause() -> sa.ColumnElement[bool]:
    """SQL for is_active_user: an active user of an active agency (the query joins Agency)."""
    return sa.and_(User.active.is_(True), Agency.active.is_(True))


def has_permission(user: Reader, permission: Permission) -> TypeGuard[User]:
    """Whether the user's role grants the permission."""
    return is_active_user(user) and permission in ROLE_PERMISSIONS[Role(user.role)]


def user_principals(user: Reader) -> frozenset[str]:
    """The principals a user holds; empty for anyone not an active user."""
    if not is_active_user(user):
        return frozenset()
    role = Role(user.role)
    return frozenset(
        {
            "active",
            f"role:{role}",
            f"agency:{user.agency_id}",
            f"agency:{user.agency_id}:{role}",
            f"user:{user.id}",
        }
    )


def item_readers(
    marking: Marking | str,
    source_agency_id: int,
    author_id: int,
    recipient_ids: Iterable[int] = (),
) -> frozenset[str]:
    """The principals allowed to read an item with this marking and origin."""
    marking = Marking(marking)
    if marking in (Marking.CLEAR, Marking.GREEN):
        return frozenset({"active"})
    if marking is Marking.AMBER:
        return frozenset(
            {f"role:{Role.MEMBER}", f"role:{Role.CHAIR}", f"agency:{source_agency_id}:viewer"}
        )
    if marking is Marking.AMBER_STRICT:
        return frozenset({f"agency:{source_agency_id}", f"role:{Role.CHAIR}"})
    return frozenset({f"user:{author_id}"} | {f"user:{uid}" for uid in recipient_ids})


def pack_items_clause() -> sa.ColumnElement[bool]:
    """The SQL condition on IntelligenceItem for the items in a meeting pack's audience."""
    return IntelligenceItem.marking.in_(sorted(PACK_MARKINGS))


def readers_of(item: IntelligenceItem) -> frozenset[str]:
    """The principals allowed to read this item."""
    return item_readers(item.marking, item.source_agency_id, item.author_id, item.recipient_ids)


def can_read_item(user: Reader, item: IntelligenceItem | None) -> bool:
    """Whether the user may read the item (and anything derived from it)."""
    if item is None:
        return False
    if user is PACK_AUDIENCE:
        return Marking(item.marking) in PACK_MARKINGS
    return not user_principals(user).isdisjoint(readers_of(item))


def readable_items_clause(user: Reader) -> sa.ColumnElement[bool]:
    """The SQL condition on IntelligenceItem that keeps only what the user may read."""
    if user is PACK_AUDIENCE:
        return pack_items_clause()
    if not is_active_user(user):
        return sa.false()
    item = IntelligenceItem
    # An uncorrelated IN, not a correlated EXISTS: PostgreSQL hashes it once and may
    # then scan the items with parallel workers (a correlated subquery forbids that).
    named = item.id.in_(sa.select(ItemRecipient.item_id).where(ItemRecipient.user_id == user.id))
    return sa.or_(
        _marked_clause(user, item.marking, item.source_agency_id),
        sa.and_(item.marking == Marking.RED, sa.or_(item.author_id == user.id, named)),
    )


# --- The council's own monitoring: ECM data and contract visits ------------------------
# Both carry a marking and the agency that recorded them, and are read exactly like an
# item of that marking from that agency. TLP:RED names recipients, which neither has, so
# neither may be marked RED.

#: The markings ECM data and contract visits may carry.
MONITORING_MARKINGS = (Marking.CLEAR, Marking.GREEN, Marking.AMBER, Marking.AMBER_STRICT)


def _marked_clause(
    user: Reader,
    marking: sa.orm.InstrumentedAttribute[Marking],
    agency_id: sa.orm.InstrumentedAttribute[int],
) -> sa.ColumnElement[bool]:
    """SQL: a record with this marking and originating agency is readable by the user (an
    item's TLP:RED, which names its readers, is the item clause's own)."""
    if user is PACK_AUDIENCE:
        return marking.in_(sorted(PACK_MARKINGS))
    if not is_active_user(user):
        return sa.false()
    role = Role(user.role)
    own_agency = agency_id == user.agency_id
    conditions: list[sa.ColumnElement[bool]] = [marking.in_([Marking.CLEAR, Marking.GREEN])]
    if role in (Role.MEMBER, Role.CHAIR):
        conditions.append(marking == Marking.AMBER)
    elif role is Role.VIEWER:
        conditions.append(sa.and_(marking == Marking.AMBER, own_agency))
    if role is Role.CHAIR:
        conditions.append(marking == Marking.AMBER_STRICT)
    else:
        conditions.append(sa.and_(marking == Marking.AMBER_STRICT, own_agency))
    return sa.or_(*conditions)


def readable_care_visits_clause(user: Reader) -> sa.ColumnElement[bool]:
    """SQL on CareVisit: the ECM visits whose measures the user (or PACK_AUDIENCE) may read."""
    return _marked_clause(user, CareVisit.marking, CareVisit.source_agency_id)


def readable_contract_visits_clause(user: Reader) -> sa.ColumnElement[bool]:
    """SQL on ContractVisit: the contract monitoring visits the user may read."""
    return _marked_clause(user, ContractVisit.marking, ContractVisit.agency_id)


def can_read_contract_visit(user: Reader, visit: ContractVisit | None) -> bool:
    """Whether the user may read the visit, its findings and its report."""
    if visit is None or Marking(visit.marking) not in MONITORING_MARKINGS:
        return False
    readers = item_readers(visit.marking, visit.agency_id, visit.author_id)
    return not user_principals(user).isdisjoint(readers)


def can_record_monitoring(user: Reader) -> bool:
    """Members and chairs of a council record contract visits and import ECM data."""
    return (
        has_permission(user, Permission.LOG_INTELLIGENCE)
        and AgencyKind(user.agency.kind) is AgencyKind.COUNCIL
    )


def can_log_intelligence(user: Reader) -> TypeGuard[User]:
    """Members and chairs log intelligence; viewers and administrators do not."""
    return has_permission(user, Permission.LOG_INTELLIGENCE)


def can_edit_item(user: Reader, item: IntelligenceItem) -> bool:
    """The author, or a chair who may read the item, may edit or withdraw it."""
    if not can_read_item(user, item) or not can_log_intelligence(user):
        return False
    return item.author_id == user.id or Role(user.role) is Role.CHAIR


def roles_with(permission: Permission) -> list[Role]:
    """The roles that grant the permission, in the order ROLE_PERMISSIONS lists them."""
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def intelligence_loggers_clause() -> sa.ColumnElement[bool]:
    """SQL on User: the roles that log intelligence (members and chairs), as can_log_intelligence."""
    return User.role.in_(roles_with(Permission.LOG_INTELLIGENCE))


def chairs_first() -> sa.ColumnElement[bool]:
    """SQL on User to order by: chairs before anyone else (false sorts before true)."""
    return User.role != Role.CHAIR


def can_see_dashboard(user: Reader) -> TypeGuard[User]:
    """Members, chairs and viewers get the dashboard; administrators, who read only what
    everyone may, get the newest items instead."""
    return is_active_user(user) and Role(user.role) is not Role.ADMIN


# --- Meetings and their packs ---------------------------------------------------------
# Members and chairs of the agencies invited to a meeting read it, its packs and minutes;
# viewers and administrators do not. Its chair, and the chairs of the agency that hosts it
# (the chair's agency), run it; an invited agency's chairs read it like its members.


def can_read_meeting(user: Reader, meeting: Meeting | None) -> bool:
    """Whether the user may read the meeting, its agenda, packs and minutes."""
    if meeting is None or not has_permission(user, Permission.ATTEND_MEETINGS):
        return False
    return meeting.chair_id == user.id or any(a.id == user.agency_id for a in meeting.agencies)


def readable_meetings_clause(user: Reader) -> sa.ColumnElement[bool]:
    """The SQL condition on Meeting that keeps the meetings the user may read."""
    if not has_permission(user, Permission.ATTEND_MEETINGS):
        return sa.false()
    invited = sa.select(meeting_agencies.c.meeting_id).where(
        meeting_agencies.c.agency_id == user.agency_id
    )
    return sa.or_(Meeting.chair_id == user.id, Meeting.id.in_(invited))


def can_run_meeting(user: Reader, meeting: Meeting | None) -> bool:
    """The meeting's chair, and the chairs of its host agency (the chair's agency), build its
    agenda, issue packs and keep its minutes; the SQL twin is runnable_meetings_clause."""
    if meeting is None or not has_permission(user, Permission.CHAIR_MEETINGS):
        return False
    if meeting.chair_id == user.id:
        return True
    return meeting.chair.agency_id == user.agency_id and can_read_meeting(user, meeting)


def runnable_meetings_clause(user: Reader) -> sa.ColumnElement[bool]:
    """The SQL condition on Meeting that keeps the meetings the user may run (can_run_meeting)."""
    if not has_permission(user, Permission.CHAIR_MEETINGS):
        return sa.false()
    hosts = sa.select(User.id).where(User.agency_id == user.agency_id)
    return sa.or_(
        Meeting.chair_id == user.id,
        sa.and_(Meeting.chair_id.in_(hosts), readable_meetings_clause(user)),
    )


def can_import_providers(user: Reader) -> TypeGuard[User]:
    """Administrators import CQC files (the upload page, and the job that runs the import)."""
    return has_permission(user, Permission.ADMINISTER)


def can_read_job(user: Reader, job: Job | None) -> bool:
    """A job's page and its API answer (its progress and result) are read by the user who
    started it, while that user is active, and by nobody else (404, as if it did not exist);
    what the result links to is read through its own rule."""
    return job is not None and is_active_user(user) and job.user_id == user.id


def can_update_agency_actions(user: Reader) -> TypeGuard[User]:
    """Members and chairs update the actions their own agency owns, from any meeting."""
    return has_permission(user, Permission.ATTEND_MEETINGS)


def can_update_action(user: Reader, action: Action, meeting: Meeting) -> bool:
    """Members and chairs of the owner agency update an action, as do the meeting's chairs."""
    if not can_update_agency_actions(user):
        return False
    return user.agency_id == action.owner_agency_id or can_run_meeting(user, meeting)


# --- Provider concerns and embargoes ---------------------------------------------------
# A chair of a council agency opens a provider concern or places an embargo; afterwards the
# chairs of the agency that opened it act on it (stages, lifting, the notice to other
# boroughs, which is that agency's letter). Every signed-in user reads concerns and embargoes.


def can_run_concerns(user: Reader) -> TypeGuard[User]:
    """Chairs of a council agency open provider concerns and place embargoes."""
    return (
        has_permission(user, Permission.CHAIR_MEETINGS)
        and AgencyKind(user.agency.kind) is AgencyKind.COUNCIL
    )


def can_act_on_concern(user: Reader, concern: ProviderConcern | None) -> bool:
    """The chairs of the agency that opened the concern record its stages and close it."""
    if concern is None or not has_permission(user, Permission.CHAIR_MEETINGS):
        return False
    return concern.opened_by.agency_id == user.agency_id


def can_act_on_embargo(user: Reader, embargo: Embargo | None) -> bool:
    """The chairs of the agency that placed the embargo lift it and make and send its notice."""
    if embargo is None or not has_permission(user, Permission.CHAIR_MEETINGS):
        return False
    return embargo.created_by.agency_id == user.agency_id


# --- Route access declarations -------------------------------------------------
# Every view carries one; a test fails if any route lacks it.

ACCESS_ATTRIBUTE = "_portal_access"


def public(view: F) -> F:
    """Declare a view open to anyone, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def requires(permission: Permission) -> Callable[[F], F]:
    """Declare and enforce the permission a view needs (sign-in first, then 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, f"permission:{permission}")
        return cast(F, wrapped)

    return decorator


def declared_access(view: Callable[..., Any]) -> str | None:
    """The access a view declared, or None when it declared nothing."""
    return getattr(view, ACCESS_ATTRIBUTE, None)
