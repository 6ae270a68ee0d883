"""A real `portal worker` process: killed (SIGKILL) while it lays out a pack's pages, another
worker runs the job again, and the meeting has one version 1, keyed by the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal import clock
from portal.extensions import db
from portal.jobs.queue import EXTENSION
from portal.meetings import meeting_jobs
from portal.models import Job, JobState, MeetingPack, utcnow
from tests.meetings.helpers import world

PROJECT = Path(__file__).resolve().parents[2]
#: A worker whose pack layout first sleeps for argv[1] seconds: long enough to be killed in.
SLOW_WORKER = """
import sys, time
from portal.meetings import pack_rendering
real = pack_rendering.render_pdf
pause = float(sys.argv[1])
def slow(content):
    time.sleep(pause)
    return real(content)
pack_rendering.render_pdf = slow
from portal.cli import main
sys.argv = ["portal", "worker", "--workers", "1", "--no-periodic"]
main()
"""
LEASE_SECONDS = 2


@pytest.fixture
def shared_queue(app: Flask, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The app queues into an SQLite queue file; the environment a worker needs to share it
    and the database."""
    queue_file = tmp_path / "queue.sqlite3"
    app.config["PORTAL"]["queue_url"] = f"sqlite:///{queue_file}"
    app.extensions.pop(EXTENSION, None)
    env = os.environ | {
        "PYTHONPATH": str(PROJECT),
        "PORTAL_ENV": "development",
        "PORTAL_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "PORTAL_INSTANCE_PATH": app.instance_path,
        "PORTAL_QUEUE_URL": f"sqlite:///{queue_file}",
        "PORTAL_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    try:
        yield env
    finally:
        app.extensions.pop(EXTENSION, None)


def _worker(env: dict[str, str], slow_seconds: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_WORKER, str(slow_seconds)],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _job_when(job_id: str, ready: Callable[[Job], bool], seconds: float = 240) -> Job:
    """The job once `ready` holds, read afresh each time (another process writes it)."""
    deadline = time.monotonic() + seconds
    while True:
        db.session.rollback()
        job = db.session.get(Job, job_id, populate_existing=True)
        assert job is not None
        if ready(job):
            return job
        assert time.monotonic() < deadline, f"job still {job.state}: {job.progress!r}"
        time.sleep(0.1)


@pytest.mark.committed
def test_a_worker_killed_mid_issue_leaves_the_job_to_another_and_one_version_1(app, shared_queue):
    w = world()
    job = meeting_jobs.start_issue(
        w.meeting.chair, w.meeting, clock.today(), appendix=False, reason="", via="web"
    )
    db.session.commit()  # queued in the shared file for a worker
    killed = _worker(shared_queue, slow_seconds=300)
    try:
        _job_when(job.id, lambda j: "laying out pages" in j.progress)
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
    lost = _job_when(job.id, lambda j: True)
    assert (lost.state, lost.attempts) == (JobState.RUNNING, 1)
    assert db.session.scalars(sa.select(MeetingPack)).all() == []
    # Its lease runs out, as the lost worker no longer renews it; a new worker queues it again.
    _job_when(job.id, lambda j: j.lease_until is not None and j.lease_until < utcnow())
    second = _worker(shared_queue, slow_seconds=0)
    try:
        done = _job_when(job.id, lambda j: j.finished)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert (done.state, done.attempts, done.error) == (JobState.DONE, 2, "")
    packs = db.session.scalars(sa.select(MeetingPack)).all()
    assert [(p.meeting_id, p.version, p.job_id) for p in packs] == [(w.meeting.id, 1, job.id)]
    assert done.result is not None and done.result["sha256"] == packs[0].pdf_sha256
