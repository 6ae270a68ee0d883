"""The recipients of a TLP:RED item: the portal's people who may read it besides its author.

The API names them by e-mail address (its contract); the form chooses them from the portal's
people by name and agency, so it sends their ids. Either way only active people of active
agencies can be recipients, and the author, who reads the item anyway, is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.inputs import clean_text, parse_id
from portal.models import Agency, User
from portal.policy import active_user_clause, is_active_user

MAX_RECIPIENTS = 50
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")

#: The people to choose from, by agency: [(agency name, [(user id, label)])].
PeopleChoices = list[tuple[str, list[tuple[str, str]]]]


def parse_addresses(value: Any) -> list[str] | None:
    """E-mail addresses from a list or from text (one per line or comma-separated)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = _ADDRESS_SEPARATORS.split(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    addresses: list[str] = []
    for raw in value:
        address = clean_text(raw).lower()
        if address and address not in addresses:
            addresses.append(address)
    return addresses


def recipients_from_emails(value: Any, author: User, errors: dict[str, str]) -> list[User]:
    """The active users with these e-mail addresses (the API's way of naming them)."""
    addresses = parse_addresses(value)
    if addresses is None:
        errors["recipients"] = "Recipients must be a list of e-mail addresses"
        return []
    addresses = [a for a in addresses if a != author.email.lower()]
    if len(addresses) > MAX_RECIPIENTS:
        errors["recipients"] = f"Name up to {MAX_RECIPIENTS} recipients"
        return []
    if not addresses:
        return []
    users = db.session.scalars(sa.select(User).where(sa.func.lower(User.email).in_(addresses)))
    active = {u.email.lower(): u for u in users if is_active_user(u)}
    unknown = [a[:254] for a in addresses if a not in active]
    if unknown:
        noun = "this e-mail address" if len(unknown) == 1 else "these e-mail addresses"
        errors["recipients"] = (
            f"No active portal user has {noun}: {', '.join(unknown)}. "
            "Check the spelling, or remove them"
        )
        return []
    return [active[a] for a in addresses]


def _ids(value: Any) -> list[int] | None:
    """Distinct user ids from a list of ids (or one), in the order given; None if any is not one."""
    values = value if isinstance(value, list) else [] if value in (None, "") else [value]
    ids: list[int] = []
    for raw in values:
        if raw == "":
            continue
        number = parse_id(raw)
        if number is None:
            return None
        if number not in ids:
            ids.append(number)
    return ids


def person_label(user: User) -> str:
    """How a person is shown when choosing recipients: name and agency."""
    return f"{user.name} ({user.agency.name})"


def recipients_from_ids(value: Any, author: User, errors: dict[str, str]) -> list[User]:
    """The active users with these ids (the form's way of naming them); a clear message for an
    id that is nobody's and for a person who can no longer sign in."""
    ids = _ids(value)
    if ids is None:
        errors["recipients"] = "Choose the recipients from the list of the portal’s people"
        return []
    ids = [i for i in ids if i != author.id]
    if len(ids) > MAX_RECIPIENTS:
        errors["recipients"] = f"Choose up to {MAX_RECIPIENTS} recipients"
        return []
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    problems = []
    if any(i not in found for i in ids):
        problems.append(
            "One of the recipients chosen is not one of the portal’s people: "
            "choose them from the list"
        )
    gone = [found[i] for i in ids if i in found and not is_active_user(found[i])]
    if gone:
        names = ", ".join(person_label(u) for u in gone)
        verb = "can" if len(gone) == 1 else "can all"
        problems.append(
            f"{names} {verb} no longer sign in to the portal, so cannot be recipients: remove them"
        )
    if problems:
        errors["recipients"] = ". ".join(problems)
        return []
    return [found[i] for i in ids]


def people_choices(author: User, chosen: Iterable[str] = ()) -> PeopleChoices:
    """The active people an author can name as recipients, by agency then name; people already
    chosen who can no longer sign in are listed too, so that they can be taken off."""
    users = list(
        db.session.scalars(
            sa.select(User)
            .join(Agency, User.agency_id == Agency.id)
            .where(active_user_clause(), User.id != author.id)
        )
    )
    listed = {u.id for u in users}
    chosen_ids = [i for i in (parse_id(c) for c in chosen) if i is not None and i not in listed]
    if chosen_ids:
        users += db.session.scalars(sa.select(User).where(User.id.in_(chosen_ids))).all()
    groups: dict[str, list[tuple[str, str]]] = {}
    for user in sorted(users, key=lambda u: (u.agency.name.lower(), u.name.lower(), u.id)):
        label = user.name if is_active_user(user) else f"{user.name} (can no longer sign in)"
        groups.setdefault(user.agency.name, []).append((str(user.id), label))
    return list(groups.items())
