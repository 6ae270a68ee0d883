"""Sending what the outbox holds: to a real SMTP server, with back-off when it refuses or is down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.mail import outbox
from portal.mail.outbox import Attachment, deliver_due
from portal.models import AuditEvent, MailKind, MailState, OutboxMessage, Role, utcnow
from tests import factories
from tests.mail.conftest import Inbox, free_port, use_smtp


def _message(to: str = "someone@example.org", **fields: object) -> OutboxMessage:
    message = outbox.add(MailKind.SECOND_FACTOR_RESET, to, "A subject", "A body\n", **fields)  # type: ignore[arg-type]
    db.session.commit()
    return message


def test_a_due_message_reaches_the_smtp_server_and_is_recorded_sent(
    app: Flask, smtp_server: Inbox
) -> None:
    message = _message(attachment=Attachment("notice.pdf", b"%PDF-1.7 notice"))
    report = deliver_due(utcnow() + timedelta(seconds=1))
    assert (report.sent, report.failed) == (1, 0)
    [received] = smtp_server.messages
    assert received["To"] == "someone@example.org"
    assert received["Subject"] == "A subject"
    assert received["From"] == app.config["PORTAL"]["mail"]["from_address"]
    [part] = list(received.iter_attachments())
    assert part.get_filename() == "notice.pdf"
    assert part.get_content() == b"%PDF-1.7 notice"
    db.session.refresh(message)
    assert message.state is MailState.SENT and message.sent_at is not None
    # Sent once: the next run finds nothing due.
    assert deliver_due(utcnow() + timedelta(minutes=1)).sent == 0
    assert len(smtp_server.messages) == 1


def test_a_refused_message_is_kept_and_retried_later_with_a_longer_wait(
    app: Flask, smtp_server: Inbox
) -> None:
    smtp_server.refuse = True
    message = _message()
    start = utcnow() + timedelta(seconds=1)
    assert deliver_due(start).failed == 1
    db.session.refresh(message)
    assert message.state is MailState.PENDING and message.attempts == 1
    assert "550" in message.last_error
    first_wait = message.next_attempt_at - start
    assert first_wait == timedelta(minutes=5)
    # Not due again before its time; due, and refused again, after it: the wait doubles.
    assert deliver_due(start + timedelta(minutes=4)).failed == 0
    second = start + timedelta(minutes=6)
    assert deliver_due(second).failed == 1
    db.session.refresh(message)
    assert message.attempts == 2
    assert message.next_attempt_at - second == timedelta(minutes=10)
    # The server takes it at last: sent once, nothing lost.
    smtp_server.refuse = False
    assert deliver_due(second + timedelta(minutes=11)).sent == 1
    db.session.refresh(message)
    assert message.state is MailState.SENT and message.attempts == 3
    assert smtp_server.addresses() == {"someone@example.org"}


def test_with_the_server_down_every_due_message_waits_and_none_is_lost(app: Flask) -> None:
    use_smtp(app, free_port())  # nothing listens there
    first, second = _message("a@example.org"), _message("b@example.org")
    now = utcnow() + timedelta(seconds=1)
    report = deliver_due(now)
    assert (report.sent, report.failed) == (0, 2)
    for message in (first, second):
        db.session.refresh(message)
        assert message.state is MailState.PENDING
        assert message.attempts == 1 and "could not reach" in message.last_error
        assert message.next_attempt_at == now + timedelta(minutes=5)


def test_the_wait_doubles_up_to_the_configured_most(app: Flask) -> None:
    use_smtp(app, free_port(), retry_minutes=5, retry_max_minutes=60)
    settings = outbox.mail_settings(app.config["PORTAL"])
    waits = [outbox.backoff(settings, n) for n in range(1, 7)]
    assert waits == [timedelta(minutes=m) for m in (5, 10, 20, 40, 60, 60)]


def test_starttls_is_used_when_configured_and_sending_fails_without_it(
    app: Flask, starttls_server: tuple[Inbox, int, Path]
) -> None:
    inbox, port, cert = starttls_server
    use_smtp(app, port, starttls=False)
    message = _message()
    now = utcnow() + timedelta(seconds=1)
    assert deliver_due(now).failed == 1  # the server wants STARTTLS first
    assert inbox.messages == []
    use_smtp(app, port, starttls=True, tls_ca_file=str(cert))
    assert deliver_due(now + timedelta(minutes=6)).sent == 1
    db.session.refresh(message)
    assert message.state is MailState.SENT
    assert [m["To"] for m in inbox.messages] == ["someone@example.org"]


def test_every_message_sent_or_refused_is_an_audit_event(app: Flask, smtp_server: Inbox) -> None:
    smtp_server.refuse = True
    message = _message()
    now = utcnow() + timedelta(seconds=1)
    deliver_due(now)
    smtp_server.refuse = False
    deliver_due(now + timedelta(minutes=6))
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "mail", AuditEvent.object_id == str(message.id))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["mail-failed", "mail-sent"]
    assert events[1].data == {
        "kind": "second-factor-reset",
        "to": "someone@example.org",
        "attempts": 2,
    }


def test_a_one_time_link_is_not_kept_once_sent(app: Flask, smtp_server: Inbox) -> None:
    message = _message(secret=True)
    deliver_due(utcnow() + timedelta(seconds=1))
    db.session.refresh(message)
    assert message.body == outbox.SCRUBBED
    assert smtp_server.messages[0].get_content().strip() == "A body"


def test_a_message_for_a_deactivated_account_is_cancelled_not_sent(
    app: Flask, smtp_server: Inbox
) -> None:
    person = factories.user(Role.MEMBER, email="gone@example.gov.uk")
    message = _message(person.email, user=person)
    person.active = False
    db.session.commit()
    report = deliver_due(utcnow() + timedelta(seconds=1))
    assert (report.sent, report.cancelled) == (0, 1)
    db.session.refresh(message)
    assert message.state is MailState.CANCELLED
    assert smtp_server.messages == []


def test_the_embedded_default_writes_each_message_to_instance_mail(app: Flask) -> None:
    assert app.config["PORTAL"]["mail"]["transport"] == "files"
    message = _message()
    assert deliver_due(utcnow() + timedelta(seconds=1)).sent == 1
    written = Path(app.instance_path) / "mail" / f"{message.id:08d}.eml"
    assert written.exists()
    assert b"Subject: A subject" in written.read_bytes()
