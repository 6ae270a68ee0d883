"""The outbox: adding a message in the caller's unit of work, and the job that sends what is due.

``add`` puts a message in the session, so it commits (or rolls back) with the pack, action,
item, embargo or invitation it is about: nothing is lost, nothing is sent for work undone.
``deliver_due(now)`` is the job: it sends every due message (``state`` pending, its
``next_attempt_at`` reached) and commits each one's outcome at once, so a message sent is
never sent again. A message the server refuses, or that cannot go because the server is down,
stays in the outbox with one more attempt counted and a later ``next_attempt_at``: the wait
doubles each time (``retry_minutes``, at most ``retry_max_minutes``). A message for a person
whose account was deactivated meanwhile is cancelled, not sent. Every message sent, refused or
cancelled is an audit event. On PostgreSQL each message is locked while it is sent (``FOR
UPDATE SKIP LOCKED``), so several workers never send one twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import sqlalchemy as sa
from flask import current_app

from portal import audit
from portal.blobs import blob_content, store_blob
from portal.config import MailSettings, mail_settings
from portal.extensions import db
from portal.jobs import queue
from portal.mail.transport import MailError, ServerUnreachable, Transport, open_transport
from portal.models import MailKind, MailState, OutboxMessage, User, utcnow
from portal.policy import is_active_user

#: What the body of a sent message holding a one-time link becomes.
SCRUBBED = "(This message held a one-time link. It was sent and is not kept.)"
MAX_ERROR = 500
#: Headers are not folded (a subject is at most 300 characters): the standard library's folding
#: of a long subject with a non-ASCII character leaves a doubled space where it unfolds.
POLICY = policy.default.clone(max_line_length=998)
#: The most messages one run sends; the rest wait for the next run.
BATCH = 500
#: The queue's task that sends what is due (registered in portal.mail.tasks).
DELIVER_TASK = "mail.deliver-due"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (the embargo notice is the only one)."""

    filename: str
    content: bytes


def add(
    kind: MailKind,
    to_address: str,
    subject: str,
    body: str,
    *,
    link: str = "",
    user: User | None = None,
    about: tuple[str, object] | None = None,
    secret: bool = False,
    attachment: Attachment | None = None,
    digest: bool = False,
) -> OutboxMessage:
    """Add a message to the session's outbox, due at once (or held for the daily digest)."""
    message = OutboxMessage(
        kind=kind,
        state=MailState.DIGEST if digest else MailState.PENDING,
        user_id=user.id if user is not None else None,
        to_address=to_address,
        subject=subject[:300],
        body=body,
        link=link[:500],
        secret=secret,
        object_type=about[0] if about else None,
        object_id=str(about[1]) if about else None,
        next_attempt_at=utcnow(),
    )
    if attachment is not None:
        message.attachment_name = attachment.filename
        message.attachment_sha256 = store_blob(attachment.content)
    db.session.add(message)
    if not digest and queue.works_elsewhere():
        # A worker sends it once this unit of work commits. With the immediate queue (the
        # tests) whoever calls deliver_due sends it, as `portal mail send-due` does.
        queue.enqueue_after_commit(DELIVER_TASK)
    return message


@dataclass
class DeliveryReport:
    """What one run of the job did."""

    sent: int = 0
    failed: int = 0
    cancelled: int = 0

    def __str__(self) -> str:
        return (
            f"Sent {self.sent}, failed {self.failed} (kept, to be tried again), "
            f"cancelled {self.cancelled}"
        )


def backoff(settings: MailSettings, attempts: int) -> timedelta:
    """How long to wait after the attempts so far: retry_minutes, doubling, capped."""
    doublings = min(max(attempts - 1, 0), 20)
    minutes = min(settings.retry_minutes * 2**doublings, settings.retry_max_minutes)
    return timedelta(minutes=minutes)


def email_message(message: OutboxMessage, settings: MailSettings) -> EmailMessage:
    """The message as the standard library's EmailMessage, with its attachment if any."""
    email = EmailMessage(policy=POLICY)
    email["From"] = settings.from_address
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at.replace(tzinfo=UTC), usegmt=True)
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=_domain(settings))
    email["X-Portal-Outbox-Id"] = str(message.id)
    email.set_content(message.body)
    if message.attachment_sha256 is not None:
        content = blob_content(message.attachment_sha256) or b""
        email.add_attachment(
            content,
            maintype="application",
            subtype="pdf",
            filename=message.attachment_name or "notice.pdf",
        )
    return email


def _domain(settings: MailSettings) -> str:
    return settings.from_address.rsplit("@", 1)[-1] or "localhost"


def _next_due(now: datetime) -> OutboxMessage | None:
    """The next message due, locked against other workers (PostgreSQL)."""
    return db.session.scalar(
        sa.select(OutboxMessage)
        .where(OutboxMessage.state == MailState.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _audit(action: str, message: OutboxMessage, **data: object) -> None:
    audit.record(
        action,
        user=None,
        object_type="mail",
        object_id=message.id,
        kind=str(message.kind),
        to=message.to_address,
        **data,
    )


def _sent(message: OutboxMessage, now: datetime) -> None:
    message.state = MailState.SENT
    message.sent_at = now
    message.attempts += 1
    message.last_error = ""
    if message.secret:
        message.body = SCRUBBED
    _audit("mail-sent", message, attempts=message.attempts)


def _failed(message: OutboxMessage, error: str, now: datetime, settings: MailSettings) -> None:
    message.attempts += 1
    message.last_error = error[:MAX_ERROR]
    message.next_attempt_at = now + backoff(settings, message.attempts)
    _audit("mail-failed", message, attempts=message.attempts, error=message.last_error)


def _cancelled(message: OutboxMessage) -> None:
    message.state = MailState.CANCELLED
    _audit("mail-cancelled", message, attempts=message.attempts)


def _deliver_one(
    message: OutboxMessage, transport: Transport, settings: MailSettings, now: datetime
) -> str:
    """Send one message; what became of it: "sent", "failed", "down" or "cancelled"."""
    if message.user is not None and not is_active_user(message.user):
        _cancelled(message)
        return "cancelled"
    try:
        transport.send(email_message(message, settings))
    except ServerUnreachable as exc:
        _failed(message, str(exc), now, settings)
        return "down"
    except MailError as exc:
        _failed(message, str(exc), now, settings)
        return "failed"
    _sent(message, now)
    return "sent"


def waiting_count() -> int:
    """How many messages wait to be sent (due or not)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state == MailState.PENDING)
        )
        or 0
    )


def deliver_due(now: datetime | None = None) -> DeliveryReport:
    """Send every message due by `now`; keep each that fails for a later attempt. The job.

    Each message's outcome commits at once. Once the server cannot be reached, every other
    due message of the run counts a failed attempt with the same error, without trying.
    """
    now = now or utcnow()
    settings = mail_settings(current_app.config["PORTAL"])
    transport = open_transport(settings, current_app.instance_path)
    report = DeliveryReport()
    down: str | None = None
    try:
        for _ in range(BATCH):
            message = _next_due(now)
            if message is None:
                break
            if down is not None:
                _failed(message, down, now, settings)
                outcome = "failed"
            else:
                outcome = _deliver_one(message, transport, settings, now)
                if outcome == "down":
                    down = message.last_error
            db.session.commit()
            report.sent += outcome == "sent"
            report.failed += outcome in ("failed", "down")
            report.cancelled += outcome == "cancelled"
    finally:
        transport.close()
    return report
