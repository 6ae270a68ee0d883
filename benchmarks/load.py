"""Load: gunicorn serving the dashboard benchmark's data, driven by Locust on loopback.

For each backend and worker count: builds the data (benchmarks/dashboard.py's builder,
fixed seed) in a throwaway database, starts `gunicorn portal.wsgi:app` on a free
loopback port, runs Locust headless for a fixed number of users and seconds with the
mix in benchmarks/locustfile.py, then the same server with /healthz alone (the
ceiling). With --kill-worker, one gunicorn worker is killed with SIGKILL midway.
Afterwards every item the API answered 201 for is looked up in the database and by
search (none may be lost). Prints requests per second, p50/p95/p99 per request kind
and the failures:

    PORTAL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/load.py --backend postgresql --workers 2 4 --kill-worker
    .venv/bin/python benchmarks/load.py --backend sqlite --items 20000 --workers 2

Targets: no errors, no lost writes, p95 under 300 ms for every kind at a load where
/healthz still has headroom. Loopback only; every run is bounded in users and time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboard  # noqa: E402  (the dashboard benchmark's data builder, beside this file)
import meetings  # noqa: E402  (the meetings benchmark's meeting, beside this file)

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SEARCH_WORDS = ["staffing", "medication errors", '"care plan"', "safeguard*", "falls night"]
#: Providers on the agenda of the meeting whose pack the chair previews (a month's meeting).
AGENDA_SIZE = 15


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(url: str, folder: Path, providers: int, items: int, secret: str) -> dict[str, Any]:
    """Migrate, build the data and write the Locust fixture: ids, words, cookie, token."""
    from flask import session
    from flask_login import login_user
    from flask_migrate import upgrade

    from portal import create_app
    from portal.auth.services import create_api_token
    from portal.extensions import db
    from portal.models import IntelligenceItem, ItemStatus, Marking, Provider, User
    from portal.policy import readable_items_clause

    app = create_app(
        {"env": "test", "database_url": url, "instance_path": str(folder), "secret_key": secret}
    )
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        dashboard.build(providers, items, dashboard.SEED)
        # The chair's next meeting, every agency invited, the agenda trimmed to a month's worth.
        today = date.today()
        meeting = meetings.plan_meeting(2, today + timedelta(days=7))
        meetings.trim_agenda(meeting, today, AGENDA_SIZE)
        if url.startswith("postgresql"):
            # The builder writes ids itself: move each sequence past them for new rows.
            for table in db.metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is not False:
                    db.session.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"coalesce(max(id), 0) + 1, false) FROM {table.name}"
                        )
                    )
        db.session.commit()
        if url.startswith("postgresql"):
            dashboard.vacuum_analyze()
        print(
            f"  built {providers:,} providers and {items:,} items in {time.perf_counter() - started:.0f} s"
        )
        member = db.session.get(User, 1)
        chair = db.session.get(User, meetings.CHAIR_ID)
        assert member is not None and chair is not None
        token = create_api_token(member.email, via="benchmark").token
        db.session.commit()
        item_ids = list(
            db.session.scalars(
                sa.select(IntelligenceItem.id)
                .where(
                    readable_items_clause(member),
                    IntelligenceItem.status == ItemStatus.OPEN,
                    IntelligenceItem.marking != Marking.RED,
                )
                .order_by(IntelligenceItem.id)
                .limit(2000)
            )
        )
        provider_ids = list(db.session.scalars(sa.select(Provider.id).order_by(Provider.id)))
        meeting_id = meeting.id
        cookies = {}
        for user in (member, chair):
            with app.test_request_context():
                login_user(user)
                cookies[user.id] = app.session_interface.get_signing_serializer(app).dumps(
                    dict(session)
                )  # type: ignore[union-attr]  # the default interface always signs
        if not url.startswith("postgresql"):
            from portal.search.engine import get_engine

            started = time.perf_counter()
            get_engine(app).reindex()
            print(f"  Whoosh index built in {time.perf_counter() - started:.0f} s")
        db.session.remove()
        db.engine.dispose()
    return {
        "today": dashboard.TODAY.isoformat(),
        "item_ids": item_ids,
        "provider_ids": provider_ids,
        "districts": ["SW19", "SW19 2", "SW19 2HL", "SW"],
        "search_words": SEARCH_WORDS,
        "session_cookie": cookies[member.id],
        "chair_session_cookie": cookies[chair.id],
        "pack_preview_path": f"/meetings/{meeting_id}/pack",
        "api_token": token,
    }


def serve(url: str, folder: Path, workers: int, port: int, secret: str) -> subprocess.Popen[bytes]:
    """gunicorn with the workers on the loopback port, as production runs it."""
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": secret,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_INSTANCE_PATH": str(folder),
        "PORTAL_SESSION_COOKIE_SECURE": "false",
    }
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "portal.wsgi:app",
        ],
        env=env,
    )
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def warm_up(port: int, fixture: dict[str, Any], workers: int) -> None:
    """Each worker's first requests compile templates and open connections: not measured."""
    import urllib.request

    member, chair = fixture["session_cookie"], fixture["chair_session_cookie"]
    pages = [
        ("/", member),
        (f"/providers/{fixture['provider_ids'][0]}", member),
        ("/providers?q=SW19", member),
        ("/search?q=staffing", member),
        (f"/intelligence/{fixture['item_ids'][0]}", member),
        (fixture["pack_preview_path"], chair),
    ]
    for _ in range(workers * 3):
        for path, cookie in pages:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"session={cookie}"}
            )
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                response.read()


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's worker processes."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def busy(pid: int) -> bool:
    """Whether the process is running on a CPU right now (state R in /proc), i.e. serving."""
    try:
        # The state follows the command name in parentheses, which may itself hold spaces.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R"
    except (OSError, IndexError):
        return False


def kill_a_worker_later(master: int, delay: float) -> None:
    """After the delay, a gunicorn worker is killed with SIGKILL (gunicorn starts another).

    The victim is one caught serving a request if one is within two seconds (so that the run
    shows what a crash costs the requests in flight), else the first worker.
    """
    time.sleep(delay)
    deadline = time.monotonic() + 2
    workers = worker_pids(master)
    victim, serving = workers[0], False
    while time.monotonic() < deadline:
        running = [pid for pid in worker_pids(master) if busy(pid)]
        if running:
            victim, serving = running[0], True
            break
        time.sleep(0.001)
    os.kill(victim, signal.SIGKILL)
    state = "while serving" if serving else "(no worker was caught serving)"
    print(f"    SIGKILL worker {victim} at {delay:.0f} s {state}", flush=True)


def locust(
    port: int,
    user_classes: list[str],
    users: int,
    seconds: int,
    folder: Path,
    fixture: Path,
    posted: Path,
) -> list[dict[str, str]]:
    """A bounded headless Locust run; its per-kind statistics rows."""
    prefix = folder / f"locust-{'-'.join(user_classes)}-{port}"
    env = {**os.environ, "LOAD_FIXTURE": str(fixture), "LOAD_POSTED": str(posted)}
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            *user_classes,
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 2)),
            "--run-time",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
        ],
        env=env,
        check=False,
        capture_output=True,
    )
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return list(csv.DictReader(stats))


def report(title: str, rows: list[dict[str, str]]) -> None:
    """One line per request kind: requests/s, percentiles, failures."""
    print(f"  {title}")
    print(f"    {'kind':<28}{'requests':>9}{'fails':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}")
    for row in rows:
        print(
            f"    {row['Name']:<28}{row['Request Count']:>9}{row['Failure Count']:>7}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
        )


def verify(url: str, folder: Path, posted: Path, secret: str) -> tuple[int, int, int]:
    """Items answered 201: how many, how many are missing, how many search cannot find."""
    from portal import create_app
    from portal.extensions import db
    from portal.models import IntelligenceItem, User
    from portal.search.interface import SearchFilters
    from portal.search.services import run_search

    entries = (
        [json.loads(line) for line in posted.read_text().splitlines()] if posted.exists() else []
    )
    app = create_app(
        {"env": "test", "database_url": url, "instance_path": str(folder), "secret_key": secret}
    )
    missing = unfound = 0
    with app.test_request_context():
        member = db.session.get(User, 1)
        for entry in entries:
            if db.session.get(IntelligenceItem, entry["id"]) is None:
                missing += 1
                continue
            found = run_search(member, entry["marker"], SearchFilters(), per_page=5)
            if entry["id"] not in {hit.id for hit in found.hits if hit.type == "intelligence"}:
                unfound += 1
        db.session.remove()
        db.engine.dispose()
    return len(entries), missing, unfound


def run(
    backend: str,
    workers_list: list[int],
    providers: int,
    items: int,
    users: int,
    seconds: int,
    kill_worker: bool,
) -> None:
    """Build once per backend, then one server per worker count."""
    secret = secrets.token_hex(32)
    with tempfile.TemporaryDirectory() as name, dashboard.database(backend, Path(name)) as url:
        folder = Path(name)
        print(f"{backend}:")
        fixture = folder / "fixture.json"
        fixture.write_text(json.dumps(prepare(url, folder, providers, items, secret)))
        for workers in workers_list:
            port = free_port()
            posted = folder / f"posted-{workers}.jsonl"
            server = serve(url, folder, workers, port, secret)
            killer = None
            try:
                warm_up(port, json.loads(fixture.read_text()), workers)
                if kill_worker:
                    killer = threading.Thread(
                        target=kill_a_worker_later, args=(server.pid, seconds / 2)
                    )
                    killer.start()
                rows = locust(
                    port, ["MemberUser", "ChairUser"], users, seconds, folder, fixture, posted
                )
                report(f"gunicorn {workers} workers, {users} users, {seconds} s: the mix", rows)
                ceiling = locust(
                    port, ["HealthzUser"], users, max(10, seconds // 3), folder, fixture, posted
                )
                report("the same server, /healthz alone (the ceiling)", ceiling)
            finally:
                if killer is not None:
                    killer.join()
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
            total, missing, unfound = verify(url, folder, posted, secret)
            print(
                f"    items posted (201): {total}; missing from the database: {missing}; "
                f"not found by search: {unfound}"
            )


def main() -> None:
    """Parse the arguments and run each backend asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--providers", type=int, default=1_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--kill-worker", action="store_true")
    args = parser.parse_args()
    if args.backend == "postgresql" and not os.environ.get(dashboard.BENCH_ENV):
        parser.error(f"set {dashboard.BENCH_ENV} to a PostgreSQL server for --backend postgresql")
    run(
        args.backend,
        args.workers,
        args.providers,
        args.items,
        args.users,
        args.seconds,
        args.kill_worker,
    )


if __name__ == "__main__":
    main()
