"""The job queue: Huey, on SQLite (the embedded default), Redis (production) or immediate.

Huey carries a task's name and arguments from the process that queues it to a worker
(``portal worker``); the work itself runs there in an application context, as its own unit
of work (committed when it returns, rolled back when it raises). Two ways in, for any area:

- ``@task("mail.deliver")`` registers a function a worker may run; ``enqueue_after_commit(
  "mail.deliver", *args)`` queues it once the current unit of work commits (never if it rolls
  back), so a task never runs against data that was not saved;
- ``@periodic("mail.overdue-reminders", minute="0", hour="7")`` registers a function each
  worker's scheduler runs on that cron schedule (every field is Huey's ``crontab``); it is
  given the time it runs for.

Register at import time, in a module create_app imports (an area's views import their
services). Huey pops a message without acknowledgement, so tracked jobs (portal.jobs.services)
keep their state and lease in the database, where a lost worker's job is found again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db

log = logging.getLogger(__name__)

#: The queue file of the embedded default, in the instance folder.
SQLITE_FILE = "queue.sqlite3"
#: app.extensions key of the app's Huey.
EXTENSION = "portal_huey"
#: session.info keys: tasks to queue when the transaction commits; in immediate mode, tasks
#: whose transaction committed, to run when the unit of work has finished (run_committed).
PENDING = "queue_pending"
COMMITTED = "queue_committed"

Task = Callable[..., None]
Periodic = Callable[[datetime], None]


@dataclass(frozen=True)
class Schedule:
    """When a periodic task runs: crontab fields, as Huey's crontab takes them."""

    minute: str = "*"
    hour: str = "*"
    day: str = "*"
    day_of_week: str = "*"


_tasks: dict[str, Task] = {}
_periodic: dict[str, tuple[Schedule, Periodic]] = {}


def task(name: str) -> Callable[[Task], Task]:
    """Register a function a worker may run by this name (enqueue_after_commit queues it)."""

    def register(func: Task) -> Task:
        _tasks[name] = func
        return func

    return register


def periodic(
    name: str, *, minute: str = "*", hour: str = "*", day: str = "*", day_of_week: str = "*"
) -> Callable[[Periodic], Periodic]:
    """Register a function every worker's scheduler runs on a cron schedule, given `now`."""

    def register(func: Periodic) -> Periodic:
        _periodic[name] = (Schedule(minute, hour, day, day_of_week), func)
        return func

    return register


def registered_tasks() -> list[str]:
    """The names of the registered tasks and periodic tasks, sorted."""
    return sorted({*_tasks, *_periodic})


def enqueue_after_commit(name: str, *args: Any) -> None:
    """Queue task `name` with these (JSON-like) arguments when the current unit of work
    commits; nothing is queued if it rolls back."""
    if name not in _tasks:
        raise KeyError(f"no task is registered as {name!r}")
    pending = db.session().info.setdefault(PENDING, [])
    if (name, args) not in pending:  # the same task twice in one unit of work runs once
        pending.append((name, args))


def works_elsewhere() -> bool:
    """Whether queued tasks run in a worker (the SQLite or Redis queue), not at once here."""
    return not _current_queue().huey.immediate


def queue_mode(settings: dict[str, Any]) -> str:
    """ "sqlite", "redis" or "immediate", from queue_url (the tests default to immediate)."""
    url = str(settings.get("queue_url") or "")
    if url == "immediate" or (not url and settings.get("env") == "test"):
        return "immediate"
    if url.startswith(("redis://", "rediss://", "unix://")):
        return "redis"
    if not url or url.startswith("sqlite:///"):
        return "sqlite"
    raise ValueError(
        f"queue_url {url!r} is not a queue this portal can use: leave it empty (SQLite in "
        "instance/), give redis://host:port/db, or write immediate"
    )


@dataclass
class Queue:
    """An app's Huey and its tasks, each bound to the app, by name."""

    huey: Huey
    tasks: dict[str, Any]

    def enqueue(self, name: str, args: tuple[Any, ...]) -> None:
        """Put the task on the queue (immediate mode: run it now, in this thread)."""
        self.huey.enqueue(self.tasks[name].s(*args))


def make_queue(app: Flask) -> Queue:
    """The app's Huey, by queue_url, with every registered task bound to the app."""
    settings = app.config["PORTAL"]
    mode = queue_mode(settings)
    url = str(settings.get("queue_url") or "")
    huey: Huey
    if mode == "immediate":
        huey = MemoryHuey("portal", immediate=True, results=False)
    elif mode == "redis":
        huey = RedisHuey("portal", url=url, results=False)
    else:
        path = url.removeprefix("sqlite:///") or str(Path(app.instance_path) / SQLITE_FILE)
        huey = SqliteHuey("portal", filename=path, results=False)
    tasks = {name: huey.task(name=name)(_in_unit_of_work(app, f)) for name, f in _tasks.items()}
    for name, (when, run) in _periodic.items():
        schedule = crontab(when.minute, when.hour, when.day, "*", when.day_of_week)
        huey.periodic_task(schedule, name=name)(_in_unit_of_work(app, _at_now(run)))
    return Queue(huey, tasks)


def _at_now(run: Periodic) -> Callable[[], None]:
    return lambda: run(datetime.now(UTC).replace(tzinfo=None))


def queue_for(app: Flask) -> Queue:
    """The app's queue, made on first use."""
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = make_queue(app)
    queue: Queue = app.extensions[EXTENSION]
    return queue


def _current_queue() -> Queue:
    return queue_for(current_app._get_current_object())  # type: ignore[attr-defined]  # werkzeug proxy


def _in_unit_of_work(app: Flask, func: Callable[..., None]) -> Callable[..., None]:
    """The task as a worker runs it: in a request context of its own (templates and url_for
    work as in the demo loader), committed once, rolled back on error."""

    def run(*args: Any) -> None:
        pushed = not has_app_context()
        context = nullcontext() if has_request_context() else app.test_request_context("/")
        with context:
            try:
                func(*args)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            finally:
                if pushed:
                    db.session.remove()

    return run


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """Queue what the transaction asked for, now that it is saved."""
    pending = session.info.pop(PENDING, None)
    if not pending or not has_app_context():
        return
    queue = _current_queue()
    if queue.huey.immediate:
        session.info.setdefault(COMMITTED, []).extend(pending)
        return
    for name, args in pending:
        try:
            queue.enqueue(name, args)
        except Exception:  # the queue is down: the reaper queues a tracked job again
            log.exception("could not queue task %s", name)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)  # rolled back: nothing to queue


def run_committed() -> None:
    """Immediate mode: run the tasks whose unit of work has committed, in this process.

    Called when a unit of work ends (a request, a command, a job); a no-op with a real queue.
    """
    if not has_app_context():
        return
    session = db.session()
    queue = _current_queue()
    while session.info.get(COMMITTED):
        name, args = session.info[COMMITTED].pop(0)
        queue.enqueue(name, args)


def run_worker(app: Flask, workers: int, *, periodic: bool = True) -> None:
    """Run a Huey consumer for the app until it is stopped: SIGTERM (systemd's stop) lets the
    jobs in hand finish; SIGINT (Ctrl-C) stops at once, and a job in hand is run again by a
    worker once its lease runs out."""
    huey = queue_for(app).huey
    if huey.immediate:
        raise ValueError("queue_url is immediate: jobs run where they start; no worker needed")
    consumer = huey.create_consumer(
        workers=max(1, workers),
        worker_type="thread",
        periodic=periodic,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=1.0,
    )
    consumer.run()
