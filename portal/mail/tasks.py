"""The mail jobs on the queue (portal.jobs.queue): delivery after each commit, every minute,
and the daily reminders and digests.

A unit of work that adds to the outbox queues ``mail.deliver-due`` for when it commits
(outbox.add), so a worker sends the message seconds later; the periodic run every minute
retries what failed once its back-off has passed, and sends what was added while the queue
was down. deliver_due commits each message as it goes, so running it twice sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from portal.jobs import queue
from portal.mail.daily import run_daily
from portal.mail.outbox import DELIVER_TASK, deliver_due


@queue.task(DELIVER_TASK)
def deliver_now() -> None:
    """Send what is due, straight after the unit of work that added it committed."""
    deliver_due()


@queue.periodic("mail.deliver-due-every-minute")
def deliver_every_minute(now: datetime) -> None:
    """Send what is due: retries whose wait has passed, and anything queued while down."""
    deliver_due(now)


@queue.periodic("mail.daily", minute="0", hour="7")
def daily(now: datetime) -> None:
    """At 07:00 UTC: the overdue-action reminders and the digests, then send them."""
    run_daily(now)
    deliver_due(now)
