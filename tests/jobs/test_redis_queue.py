"""The queue's production mode: Redis at 127.0.0.1:6379 (PORTAL_TEST_REDIS_URL). Skipped with
the reason when Redis is unreachable, and a failure under CI (CI set), as PostgreSQL is."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import redis
from flask import Flask

from portal.extensions import db
from portal.jobs import queue
from portal.jobs.queue import EXTENSION, queue_for
from tests import factories

#: One Redis database per test worker (pytest-xdist runs several at once): 15, 14, ...
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _WORKER % 8}")
#: What the test task was given, in the order it ran.
SEEN: list[str] = []


@queue.task("tests.note")
def note(text: str) -> None:
    """A task for the test: remembers what it was given."""
    SEEN.append(text)


def redis_unavailable_reason() -> str | None:
    """Why Redis cannot be used for the tests, or None."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis is unreachable at {REDIS_URL} ({exc}): the queue's production mode"
    return None


@pytest.fixture
def redis_queue(app: Flask) -> Iterator[queue.Queue]:
    """The app's queue on Redis (a database of its own, emptied before and after)."""
    reason = redis_unavailable_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis: {reason}")
        pytest.skip(reason)
    app.config["PORTAL"]["queue_url"] = REDIS_URL
    app.extensions.pop(EXTENSION, None)
    made = queue_for(app)
    made.huey.flush()
    SEEN.clear()
    try:
        yield made
    finally:
        made.huey.flush()
        app.extensions.pop(EXTENSION, None)


def _run_one(made: queue.Queue) -> None:
    """What a worker does with the next message: run its task."""
    task = made.huey.dequeue()
    assert task is not None
    made.huey.execute(task)


def test_a_task_goes_on_redis_when_its_unit_of_work_commits_and_a_worker_runs_it(redis_queue):
    factories.agency("MERTON")
    queue.enqueue_after_commit("tests.note", "after the commit")
    assert redis_queue.huey.pending_count() == 0  # not before the commit
    db.session.commit()
    assert redis_queue.huey.pending_count() == 1
    _run_one(redis_queue)
    assert SEEN == ["after the commit"]


def test_a_unit_of_work_rolled_back_queues_nothing(redis_queue):
    factories.agency("MERTON")
    queue.enqueue_after_commit("tests.note", "never")
    db.session.rollback()
    db.session.commit()
    assert redis_queue.huey.pending_count() == 0 and SEEN == []


def test_the_periodic_tasks_are_registered_with_the_queue(redis_queue):
    due = {type(t).__name__ for t in redis_queue.huey.read_periodic(datetime(2026, 12, 7, 7, 0))}
    assert "portal.requeue-lost-jobs" in due
