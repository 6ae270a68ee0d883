"""What is e-mailed when: each trigger adds its messages to the outbox in the caller's unit of work.

E-mail is no channel for OFFICIAL-SENSITIVE content. A message carries the title and day of a
meeting, an agency's name and links; never an item's title or text, an action's description,
a name found in an item, or a marking above TLP:GREEN. The embargo notice, the letter the
process sends to other boroughs, is the one attachment. Who receives a message is decided by
the policy (who may read the meeting, update the action, read the item) and by each person's
choice (portal.mail.preferences); a deactivated account receives nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.config import mail_settings
from portal.extensions import db
from portal.mail.outbox import Attachment, add
from portal.mail.preferences import choices_for
from portal.models import (
    Action,
    Embargo,
    IntelligenceItem,
    MailChoice,
    MailKind,
    Meeting,
    MeetingPack,
    User,
)
from portal.policy import (
    can_read_item,
    can_read_meeting,
    can_update_agency_actions,
    is_active_user,
)
from portal.templating import govuk_date

FOOTER = (
    "\n\nThis message carries no intelligence: sign in to the portal to read it.\n"
    "You can choose which messages you receive on your account page: {account}\n"
)


def link(endpoint: str, **values: object) -> str:
    """An absolute link to a page, from [mail] base_url (no request is needed)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return mail_settings(current_app.config["PORTAL"]).base_url + path


def _service() -> str:
    return str(current_app.config["PORTAL"]["service_name"])


def _users_of(agency_ids: Iterable[int]) -> list[User]:
    """The active users of these agencies (with their agency, for the policy)."""
    ids = sorted(set(agency_ids))
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.agency_id.in_(ids), User.active.is_(True))
            .options(selectinload(User.agency))
            .order_by(User.id)
        )
    )


def _to_people(
    kind: MailKind,
    people: Sequence[User],
    subject: str,
    body: Callable[[User], str],
    page: str,
    about: tuple[str, object],
) -> int:
    """Add one message per person who wants this kind (at once or for the digest); how many."""
    choices = choices_for((p.id for p in people), kind)
    account = link("mail.preferences_page")
    added = 0
    for person in people:
        choice = choices.get(person.id, MailChoice.NOW)
        if choice is MailChoice.OFF or not is_active_user(person):
            continue
        text = f"Hello {person.name},\n\n{body(person)}" + FOOTER.format(account=account)
        add(
            kind,
            person.email,
            subject,
            text,
            link=page,
            user=person,
            about=about,
            digest=choice is MailChoice.DIGEST,
        )
        added += 1
    return added


def pack_issued(meeting: Meeting, pack: MeetingPack) -> int:
    """A pack issued: to the members and chairs who may read the meeting (its invited agencies)."""
    candidates = _users_of([a.id for a in meeting.agencies] + [meeting.chair.agency_id])
    people = [u for u in candidates if can_read_meeting(u, meeting)]
    page = link("meetings.view_pack", meeting_id=meeting.id, version=pack.version)
    day = govuk_date(meeting.held_on)
    return _to_people(
        MailKind.PACK_ISSUED,
        people,
        f"Meeting pack issued: {meeting.title}, {day}",
        lambda _u: (
            f"Version {pack.version} of the pack for {meeting.title} on {day} has been issued.\n\n"
            f"Read it in the portal: {page}"
        ),
        page,
        ("meeting", meeting.id),
    )


def _action_people(action: Action) -> list[User]:
    """The owner agency's members and chairs (who update its actions)."""
    return [u for u in _users_of([action.owner_agency_id]) if can_update_agency_actions(u)]


def action_given(action: Action) -> int:
    """An action given to an agency: to its members and chairs (the action must have its id)."""
    meeting = action.meeting
    page = link("meetings.update_action", action_id=action.id)
    due = f", due {govuk_date(action.due_on)}" if action.due_on else ""
    agency = action.owner_agency.name
    return _to_people(
        MailKind.ACTION_GIVEN,
        _action_people(action),
        f"An action for {agency}: {meeting.title}",
        lambda _u: (
            f"The meeting {meeting.title} on {govuk_date(meeting.held_on)} gave an action "
            f"to {agency}{due}.\n\nRead and update it in the portal: {page}"
        ),
        page,
        ("action", action.id),
    )


def action_overdue(action: Action, today: date) -> int:
    """An action fallen overdue (Action.is_overdue): a reminder to its agency's members and chairs."""
    if not action.is_overdue(today):
        return 0
    meeting = action.meeting
    page = link("meetings.update_action", action_id=action.id)
    agency = action.owner_agency.name
    due = govuk_date(action.due_on)
    return _to_people(
        MailKind.ACTION_OVERDUE,
        _action_people(action),
        f"An action for {agency} is overdue: {meeting.title}",
        lambda _u: (
            f"An action the meeting {meeting.title} gave to {agency} was due on {due} and is "
            f"still open.\n\nUpdate it in the portal: {page}"
        ),
        page,
        ("action", action.id),
    )


def red_recipients(item: IntelligenceItem, user_ids: Iterable[int]) -> int:
    """Named as a recipient of a TLP:RED item: to each person newly named, a link only."""
    wanted = set(user_ids) - {item.author_id}
    if not wanted:
        return 0
    people = list(
        db.session.scalars(
            sa.select(User)
            .where(User.id.in_(sorted(wanted)), User.active.is_(True))
            .options(selectinload(User.agency))
            .order_by(User.id)
        )
    )
    page = link("intelligence.view_item", item_id=item.id)
    return _to_people(
        MailKind.RED_RECIPIENT,
        [p for p in people if can_read_item(p, item)],
        f"You have been named as a recipient of an item: {_service()}",
        lambda _u: (
            f"A partner has shared an item with you by name.\n\nRead it in the portal: {page}"
        ),
        page,
        ("intelligence", item.id),
    )


def embargo_notice(embargo: Embargo, sender: User, notice: Attachment, subject: str) -> int:
    """An embargo placed or lifted: the notice PDF to each of the boroughs' contacts on it."""
    agency = sender.agency.name
    what = "the lifting of an embargo" if embargo.lifted else "an embargo on new placements"
    body = (
        f"{agency} advises you of {what}. The notice is attached.\n\n"
        f"It was sent by {sender.name}, {sender.email}, on behalf of {agency}.\n"
    )
    for address in embargo.notice_contacts:
        add(
            MailKind.EMBARGO_NOTICE,
            address,
            subject,
            body,
            about=("embargo", embargo.id),
            attachment=notice,
        )
    return len(embargo.notice_contacts)


def set_up_link(user: User, token: str, days: int) -> None:
    """An invitation or a new set-up link: the one-time link, to the person only, at once."""
    page = link("auth.set_up_account", token=token)
    body = (
        f"Hello {user.name},\n\nAn administrator has given you a link to set your password for "
        f"{_service()}. It works once, for {days} days:\n\n{page}\n\n"
        "If you did not expect this message, tell your agency's administrator.\n"
    )
    add(
        MailKind.SET_UP_LINK,
        user.email,
        f"Set your password: {_service()}",
        body,
        user=user,
        about=("user", user.id),
        secret=True,
    )


def second_factor_reset(user: User) -> None:
    """A second-factor reset: tell the person, with the sign-in link where they set up anew."""
    page = link("auth.sign_in")
    body = (
        f"Hello {user.name},\n\nAn administrator has removed the authenticator app from your "
        f"account on {_service()}. When you next sign in you will set up a new one:\n\n{page}\n\n"
        "If you did not ask for this, tell your agency's administrator at once.\n"
    )
    add(
        MailKind.SECOND_FACTOR_RESET,
        user.email,
        f"Your authenticator app was reset: {_service()}",
        body,
        link=page,
        user=user,
        about=("user", user.id),
    )
