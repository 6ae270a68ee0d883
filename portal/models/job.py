"""Jobs: long work (issuing a pack, the minutes' PDF, a CQC or ECM upload) run by a worker.

The queue (Huey, portal.jobs.queue) carries only a job's id; this table is what the pages and
``GET /api/v1/jobs/ID`` read, and what makes a job safe to run again. A worker claims a job by
taking its lease (``lease_until``) and renews it while it runs; a job still running when its
lease has run out lost its worker (killed, or the machine stopped) and is queued again, up to
``job_max_attempts`` attempts in all.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from portal.extensions import Base
from portal.models.base import enum_column, utcnow


class JobState(enum.StrEnum):
    """Where a job is: waiting for a worker, being run, finished, or given up."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


#: The states a job ends in: nothing more happens to it.
FINISHED = (JobState.DONE, JobState.FAILED)


class Job(Base):
    """One piece of long work, started by a user, run once by a worker of the queue."""

    __tablename__ = "jobs"

    # A random hex id: job pages are linked to and polled, and their number says nothing.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # What the job page's heading says: "Issuing version 2 of the pack".
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    state: Mapped[JobState] = mapped_column(
        enum_column(JobState), default=JobState.QUEUED, index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # What it works on, e.g. "meeting:12": one pack issue at a time per meeting.
    subject: Mapped[str] = mapped_column(sa.String(60), default="", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # An uploaded file the job imports; dropped when the job ends.
    upload: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    progress: Mapped[str] = mapped_column(sa.Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # Why it failed, in words for the person who started it; `errors` maps fields to messages.
    error: Mapped[str] = mapped_column(sa.Text, default="")
    errors: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When its id last went onto the queue: a job queued long ago and never claimed is put on
    # the queue again (a message lost between the commit and the queue).
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        """Whether the job has ended, done or failed."""
        return self.state in FINISHED

    @classmethod
    def lease_expired(cls, now: datetime) -> sa.ColumnElement[bool]:
        """SQL: running, but its worker has not renewed the lease in time (it was lost)."""
        return sa.and_(cls.state == JobState.RUNNING, cls.lease_until < now)

    def lease_is_expired(self, now: datetime) -> bool:
        """The same rule, for a loaded job (Job.lease_expired)."""
        return (
            self.state is JobState.RUNNING
            and self.lease_until is not None
            and self.lease_until < now
        )
