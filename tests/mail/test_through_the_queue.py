"""Mail goes through the job queue: a unit of work that adds to the outbox queues the
delivery for when it commits, and the worker's periodic jobs retry and send the daily mail.
On Redis, the production mode (skipped without it, a failure under CI)."""

from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.jobs import queue
from portal.mail import outbox
from portal.models import MailKind, MailState, OutboxMessage
from tests.jobs.test_redis_queue import redis_queue  # noqa: F401  (a fixture)


def _run_queued(made: queue.Queue) -> int:
    """What a worker does: run every queued task; how many there were."""
    count = 0
    while (task := made.huey.dequeue()) is not None:
        made.huey.execute(task)
        count += 1
    return count


def test_a_message_is_sent_by_the_worker_once_its_unit_of_work_commits(
    redis_queue,  # noqa: F811  (the fixture)
    smtp_server,
):
    outbox.add(MailKind.SET_UP_LINK, "new.person@merton.gov.uk", "Set up your account", "A")
    outbox.add(MailKind.SET_UP_LINK, "other.person@merton.gov.uk", "Set up your account", "B")
    assert redis_queue.huey.pending_count() == 0  # nothing before the commit
    db.session.commit()
    assert redis_queue.huey.pending_count() == 1  # one delivery for the unit of work
    assert _run_queued(redis_queue) == 1
    assert smtp_server.addresses() == {"new.person@merton.gov.uk", "other.person@merton.gov.uk"}
    states = db.session.scalars(db.select(OutboxMessage.state)).all()
    assert states == [MailState.SENT, MailState.SENT]


def test_a_message_rolled_back_is_neither_queued_nor_sent(
    redis_queue,  # noqa: F811  (the fixture)
    smtp_server,
):
    outbox.add(MailKind.SET_UP_LINK, "new.person@merton.gov.uk", "Set up your account", "A")
    db.session.rollback()
    db.session.commit()
    assert redis_queue.huey.pending_count() == 0
    assert smtp_server.messages == []


def test_the_worker_retries_every_minute_and_sends_the_daily_mail_at_seven(
    redis_queue,  # noqa: F811  (the fixture)
):
    at_seven = {type(t).__name__ for t in redis_queue.huey.read_periodic(datetime(2026, 12, 7, 7))}
    at_noon = {type(t).__name__ for t in redis_queue.huey.read_periodic(datetime(2026, 12, 7, 12))}
    assert {"mail.deliver-due-every-minute", "mail.daily"} <= at_seven
    assert "mail.deliver-due-every-minute" in at_noon and "mail.daily" not in at_noon
