"""The daily mail job: reminders of actions fallen overdue, and each person's digest.

``run_daily(now)`` is the job (run once a day; running it twice in a day sends nothing
twice). An action is reminded of once, the first day it is overdue by the one rule
(``Action.overdue_on``). The messages a person chose to receive in a digest wait in the outbox
(state ``digest``); the job puts them into one message per person, listing each subject and
link, which ``deliver_due`` then sends. It commits its own work (it runs outside any request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.mail import triggers
from portal.mail.outbox import add
from portal.models import Action, MailKind, MailState, OutboxMessage, User, utcnow
from portal.policy import is_active_user
from portal.templating import govuk_date


@dataclass
class DailyReport:
    """What one run of the daily job did."""

    reminded_actions: int = 0
    reminders: int = 0
    digests: int = 0

    def __str__(self) -> str:
        return (
            f"Overdue actions reminded {self.reminded_actions} ({self.reminders} messages), "
            f"digests {self.digests}"
        )


def overdue_reminders(now: datetime, report: DailyReport) -> None:
    """A reminder to the owner agency for each action overdue today and not yet reminded."""
    today = now.date()
    actions = db.session.scalars(
        sa.select(Action)
        .where(Action.overdue_on(today), Action.overdue_reminded_on.is_(None))
        .options(selectinload(Action.meeting), selectinload(Action.owner_agency))
        .order_by(Action.id)
    )
    for action in actions:
        report.reminders += triggers.action_overdue(action, today)
        action.overdue_reminded_on = today
        report.reminded_actions += 1


def _digest_body(person: User, messages: list[OutboxMessage], now: datetime) -> str:
    lines = [
        f"Hello {person.name},",
        "",
        f"What happened in {current_app.config['PORTAL']['service_name']} for you, "
        f"up to {govuk_date(now.date())}:",
        "",
    ]
    for message in messages:
        lines += [f"- {message.subject}", f"  {message.link}", ""]
    lines.append("This message carries no intelligence: sign in to the portal to read it.")
    lines.append(
        f"You can choose which messages you receive: {triggers.link('mail.preferences_page')}"
    )
    return "\n".join(lines) + "\n"


def digests(now: datetime, report: DailyReport) -> None:
    """One digest message per person for the messages waiting for it (none for the inactive)."""
    waiting = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.state == MailState.DIGEST)
        .options(selectinload(OutboxMessage.user).selectinload(User.agency))
        .order_by(OutboxMessage.user_id, OutboxMessage.id)
    )
    for _user_id, group in groupby(waiting, key=lambda m: m.user_id):
        messages = list(group)
        person = messages[0].user
        if person is None or not is_active_user(person):
            for message in messages:
                message.state = MailState.CANCELLED
            continue
        for message in messages:
            message.state = MailState.DIGESTED
            message.sent_at = now
        count = len(messages)
        add(
            MailKind.DIGEST,
            person.email,
            f"Your daily summary: {count} message{'s' if count != 1 else ''}",
            _digest_body(person, messages, now),
            user=person,
            about=("user", person.id),
        )
        report.digests += 1


def run_daily(now: datetime | None = None) -> DailyReport:
    """The daily job: overdue-action reminders, then the digests; committed. Its report."""
    now = now or utcnow()
    report = DailyReport()
    overdue_reminders(now, report)
    db.session.flush()
    digests(now, report)
    db.session.commit()
    return report
