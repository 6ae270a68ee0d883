"""Tracked jobs: started in a unit of work, run by a worker, read by the one who started them.

``start_job`` adds a ``Job`` row and queues its id when the unit of work commits
(portal.jobs.queue). A worker runs it with ``run_job``: it claims the job by taking its lease in
a transaction of its own (so two workers never run it at once), renews the lease from a
heartbeat thread while the work goes on, and writes the result, or what failed, with the
work's last transaction. A job whose worker was killed keeps its expired lease; the periodic
``requeue_lost_jobs`` (every minute, and when a worker starts) queues it again, and the runner
finds what the lost attempt finished (a pack version is keyed by its job) instead of doing it
twice. Each kind's runner registers itself with ``@runner(kind)`` beside its area's services.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.jobs import queue
from portal.models import Job, JobState, User, utcnow
from portal.policy import can_read_job
from portal.unit_of_work import ValidationFailed

log = logging.getLogger(__name__)

RUN_JOB = "portal.run-job"
#: What the job page says of a job that lost its worker too often.
GIVEN_UP = "The worker running it stopped {attempts} times, so it was given up"


class JobFailed(Exception):
    """The job cannot be done; the message says why, for the person who started it."""


@dataclass
class JobContext:
    """What a runner may do besides its work: say how far it has got."""

    job: Job
    #: With a real queue the progress is written at once, on a connection of its own, so the
    #: job page shows it while the work's own transaction is still open.
    separate: bool
    lease: timedelta
    stages: list[str] = field(default_factory=list)

    def progress(self, text: str) -> None:
        """Show `text` on the job's page ("Laying out pages"); renews the lease."""
        self.stages.append(text)
        if not self.separate:
            self.job.progress = text
            return
        try:
            with db.engine.begin() as connection:
                connection.execute(
                    sa.update(JOBS)
                    .where(Job.id == self.job.id, Job.attempts == self.job.attempts)
                    .values(progress=text, lease_until=utcnow() + self.lease)
                )
        except sa.exc.OperationalError:
            log.warning("job %s: progress not written (database busy)", self.job.id)


JOBS = cast(sa.Table, Job.__table__)
Runner = Callable[[Job, JobContext], dict[str, Any]]
_runners: dict[str, Runner] = {}


def runner(kind: str) -> Callable[[Runner], Runner]:
    """Register the function that does jobs of this kind; it answers the result (JSON)."""

    def register(func: Runner) -> Runner:
        _runners[kind] = func
        return func

    return register


def _settings() -> dict[str, Any]:
    settings: dict[str, Any] = current_app.config["PORTAL"]
    return settings


def _lease() -> timedelta:
    return timedelta(seconds=max(1, int(_settings()["job_lease_seconds"])))


def start_job(
    user: User,
    kind: str,
    title: str,
    params: dict[str, Any],
    *,
    subject: str = "",
    upload: bytes | None = None,
) -> Job:
    """Add a job, queued when the unit of work commits. An unfinished job of the same kind and
    subject is answered instead when this user started it (a second click), and refused
    (ValidationFailed) when someone else did: one at a time."""
    if kind not in _runners:
        raise KeyError(f"no runner for jobs of kind {kind!r}")
    if subject:
        running = db.session.scalar(
            sa.select(Job).where(
                Job.kind == kind,
                Job.subject == subject,
                Job.state.in_([JobState.QUEUED, JobState.RUNNING]),
            )
        )
        if running is not None and running.user_id == user.id:
            return running
        if running is not None:
            starter = db.session.get(User, running.user_id)
            raise ValidationFailed(
                {
                    "job": f"{starter.name if starter else 'Someone'} started this already: "
                    "try again once it has finished"
                }
            )
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        title=title[:300],
        user_id=user.id,
        subject=subject,
        params=params,
        upload=upload,
        progress="Waiting for a worker",
    )
    db.session.add(job)
    db.session.flush()
    queue.enqueue_after_commit(RUN_JOB, job.id)
    return job


def _claim(job_id: str, now: datetime) -> Job | None:
    """Take the job's lease in a transaction of its own: the job, or None if another worker
    holds it or it has finished."""
    taken = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, sa.or_(Job.state == JobState.QUEUED, Job.lease_expired(now)))
        .values(
            state=JobState.RUNNING,
            attempts=Job.attempts + 1,
            lease_until=now + _lease(),
            started_at=now,
            progress="Starting",
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if getattr(taken, "rowcount", 0) != 1:
        return None
    return db.session.get(Job, job_id, populate_existing=True)


@queue.task(RUN_JOB)
def run_job(job_id: str) -> None:
    """Run a queued job (a worker's task): claim it, do it, record its result or failure."""
    job = _claim(job_id, utcnow())
    if job is None:
        return
    separate = not queue.queue_for(current_app._get_current_object()).huey.immediate  # type: ignore[attr-defined]  # werkzeug proxy
    context = JobContext(job, separate=separate, lease=_lease())
    heartbeat = _Heartbeat(job.id, job.attempts, context.lease) if separate else None
    try:
        result = _runners[job.kind](job, context)
    except (JobFailed, ValidationFailed) as refused:
        _record_failure(job_id, str(refused), getattr(refused, "errors", None))
    except Exception:
        log.exception("job %s (%s) failed", job_id, job.kind)
        _record_failure(job_id, "An unexpected error stopped it; the error is in the server's log")
    else:
        job.state = JobState.DONE
        job.result = result
        job.progress = ""
        job.upload = None
        job.finished_at = utcnow()
        db.session.commit()
    finally:
        if heartbeat is not None:
            heartbeat.stop()
    queue.run_committed()


def _record_failure(job_id: str, error: str, errors: dict[str, str] | None = None) -> None:
    """Roll the work back and say what failed, in a transaction of its own."""
    db.session.rollback()
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.state is JobState.DONE:
        return  # another worker, given the job when this one's lease ran out, finished it
    job.state = JobState.FAILED
    job.error = error
    job.errors = errors
    job.upload = None
    job.finished_at = utcnow()
    db.session.commit()


class _Heartbeat:
    """Renews a running job's lease from a thread of its own, on connections of its own."""

    def __init__(self, job_id: str, attempt: int, lease: timedelta) -> None:
        self._stopped = threading.Event()
        engine = db.engine
        interval = max(0.2, lease.total_seconds() / 3)

        def beat() -> None:
            while not self._stopped.wait(interval):
                try:
                    with engine.begin() as connection:
                        connection.execute(
                            sa.update(JOBS)
                            .where(
                                Job.id == job_id,
                                Job.attempts == attempt,
                                Job.state == JobState.RUNNING,
                            )
                            .values(lease_until=utcnow() + lease)
                        )
                except sa.exc.SQLAlchemyError:
                    log.warning("job %s: lease not renewed this time", job_id)

        self._thread = threading.Thread(target=beat, name=f"lease-{job_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing (the job has finished)."""
        self._stopped.set()
        self._thread.join(timeout=5)


@queue.periodic("portal.requeue-lost-jobs")
def requeue_lost_jobs(now: datetime) -> None:
    """Queue again each job whose worker was lost (its lease ran out), or whose message never
    reached the queue; give up a job that lost its worker job_max_attempts times."""
    lease = _lease()
    most = max(1, int(_settings()["job_max_attempts"]))
    lost = db.session.scalars(
        sa.select(Job).where(
            sa.or_(
                Job.lease_expired(now),
                sa.and_(Job.state == JobState.QUEUED, Job.queued_at < now - lease * 5),
            )
        )
    ).all()
    for job in lost:
        if job.state is JobState.RUNNING and job.attempts >= most:
            job.state = JobState.FAILED
            job.error = GIVEN_UP.format(attempts=job.attempts)
            job.upload = None
            job.finished_at = now
            continue
        job.state = JobState.QUEUED
        job.queued_at = now
        job.progress = "Waiting for a worker (the last one stopped)"
        queue.enqueue_after_commit(RUN_JOB, job.id)


def readable_job(user: User, job_id: str) -> Job | None:
    """The job if this user may read it (policy.can_read_job), else None."""
    if len(job_id) > 32:
        return None
    job = db.session.get(Job, job_id)
    return job if can_read_job(user, job) else None


def commit_and_wait(job: Job, seconds: float, poll: float = 0.2) -> Job:
    """Commit the unit of work that started the job (so a worker sees it), then wait for it:
    the job once finished, or as it stands after `seconds` (immediate mode runs it here).

    For a caller that must answer with the result (POST /api/v1/meetings/ID/packs)."""
    db.session.commit()
    queue.run_committed()
    deadline = time.monotonic() + seconds
    while True:
        db.session.refresh(job)
        if job.finished or time.monotonic() >= deadline:
            return job
        db.session.rollback()  # end the read, so the next one sees the worker's commits
        time.sleep(poll)
