"""Benchmark: the dashboard for 1,000 providers and 100,000 items, as a member and as a chair.

Builds the data with bulk inserts (fixed seed, so every run builds the same data) in a
throwaway database migrated to the current schema, then times the home page through the
Flask test client and prints p50 and p95 per user and backend, with the SQL query count:

    .venv/bin/python benchmarks/dashboard.py                   # SQLite
    PORTAL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/dashboard.py               # and PostgreSQL too

For PostgreSQL a throwaway database is created on that server and dropped afterwards.
The target is under 1 s per page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

SEED = 20_261_123
BENCH_ENV = "PORTAL_BENCH_DATABASE_URL"
TODAY = date(2026, 11, 23)
BOROUGHS = ["Merton", "Sutton", "Croydon", "Wandsworth", "Kingston upon Thames", "Richmond"]
SERVICE_TYPES = ["care-home-nursing", "care-home", "domiciliary", "supported-living"]
AGENCIES = [
    ("MERTON", "London Borough of Merton", "council"),
    ("SUTTON", "London Borough of Sutton", "council"),
    ("CQC", "Care Quality Commission", "cqc"),
    ("SWLICB", "NHS South West London ICB", "nhs"),
    ("MPS", "Metropolitan Police Service", "police"),
    ("HWMERTON", "Healthwatch Merton", "healthwatch"),
]
# CLEAR, GREEN, AMBER, AMBER+STRICT, RED: most intelligence is shared widely.
MARKING_WEIGHTS = (10, 35, 35, 12, 8)
BATCH = 5_000


@contextmanager
def database(backend: str, folder: Path):
    """A fresh, empty database of the backend; yields its URL and drops it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    from sqlalchemy.engine import make_url

    from portal.config import normalise_database_url

    server = make_url(normalise_database_url(os.environ[BENCH_ENV]))
    name = f"portal_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def insert(table: sa.Table, rows: list[dict]) -> None:
    """Bulk insert (executemany) in batches."""
    from portal.extensions import db

    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[start : start + BATCH])


def build(providers: int, items: int, seed: int) -> dict[str, int]:
    """Agencies, users, providers, items, a meeting with actions, concerns and embargoes."""
    from portal.extensions import db
    from portal.models import (
        Action,
        ActionStatus,
        Agency,
        AgencyKind,
        ConcernStage,
        Embargo,
        HandlingCode,
        IntelligenceAssessment,
        IntelligenceItem,
        ItemRecipient,
        ItemStatus,
        ItemTheme,
        KeyQuestion,
        Marking,
        Meeting,
        Provider,
        ProviderConcern,
        ProviderConcernStage,
        ProviderServiceType,
        Role,
        SourceEvaluation,
        User,
    )

    rng = random.Random(seed)
    now = datetime(2026, 11, 23, 9, 0)
    insert(
        Agency.__table__,
        [
            {"id": n, "code": code, "name": name, "kind": AgencyKind(kind), "active": True}
            for n, (code, name, kind) in enumerate(AGENCIES, start=1)
        ],
    )
    users = [
        # (id, agency id, role): the two timed users first, then authors in every agency.
        (1, 1, Role.MEMBER),
        (2, 1, Role.CHAIR),
        *[(3 + n, 1 + n % len(AGENCIES), Role.MEMBER) for n in range(24)],
    ]
    insert(
        User.__table__,
        [
            {
                "id": uid,
                "email": f"user{uid}@example.gov.uk",
                "name": f"User {uid}",
                "agency_id": agency,
                "role": role,
                "active": True,
                "previous_sign_in_at": now - timedelta(days=3),
            }
            for uid, agency, role in users
        ],
    )
    insert(
        Provider.__table__,
        [
            {
                "id": pid,
                "cqc_location_id": f"1-{100000000 + pid}",
                "name": f"Provider {pid} Care Home",
                "name_key": f"provider {pid} care home",
                "postcode": "SW19 2HL",
                "postcode_district": "SW19",
                "local_authority": BOROUGHS[pid % len(BOROUGHS)],
            }
            for pid in range(1, providers + 1)
        ],
    )
    insert(
        ProviderServiceType.__table__,
        [
            {"provider_id": pid, "service_type": SERVICE_TYPES[pid % len(SERVICE_TYPES)]}
            for pid in range(1, providers + 1)
        ],
    )
    markings = list(Marking)
    questions = list(KeyQuestion)
    item_rows, theme_rows, recipient_rows = [], [], []
    for iid in range(1, items + 1):
        author_id, agency_id, _ = users[rng.randrange(2, len(users))]
        observed = TODAY - timedelta(days=rng.randrange(0, 730))
        marking = rng.choices(markings, MARKING_WEIGHTS)[0]
        logged = datetime.combine(observed, datetime.min.time()) + timedelta(
            hours=rng.randrange(1, 72)
        )
        item_rows.append(
            {
                "id": iid,
                # A skewed spread: some providers attract far more intelligence than others.
                "provider_id": 1 + int(providers * rng.random() ** 2),
                "source_agency_id": agency_id,
                "author_id": author_id,
                "observed_on": observed,
                "logged_at": min(logged, now),
                "updated_at": min(logged, now),
                "title": f"Item {iid}",
                "body": "Observed during a visit.",
                "key_question": rng.choice(questions),
                "likelihood": rng.randint(1, 5),
                "impact": rng.randint(1, 5),
                "source_evaluation": SourceEvaluation.RELIABLE,
                "intelligence_assessment": IntelligenceAssessment.B,
                "handling_code": HandlingCode.PERMITTED,
                "handling_conditions": "",
                "marking": marking,
                "status": ItemStatus.WITHDRAWN if rng.random() < 0.05 else ItemStatus.OPEN,
                "revision_count": 1,
            }
        )
        theme_rows.append({"item_id": iid, "theme": "staffing"})
        if marking is Marking.RED and rng.random() < 0.3:
            recipient_rows.append({"item_id": iid, "user_id": rng.choice([1, 2])})
    insert(IntelligenceItem.__table__, item_rows)
    insert(ItemTheme.__table__, theme_rows)
    insert(ItemRecipient.__table__, recipient_rows)
    insert(
        Meeting.__table__,
        [{"id": 1, "held_on": date(2026, 10, 14), "title": "October", "chair_id": 2}],
    )
    insert(
        Action.__table__,
        [
            {
                "meeting_id": 1,
                "provider_id": rng.randrange(1, providers + 1),
                "description": f"Action {n}",
                "owner_agency_id": 1 + n % len(AGENCIES),
                "due_on": TODAY + timedelta(days=rng.randrange(-30, 60)),
                "status": ActionStatus.OPEN if n % 3 else ActionStatus.DONE,
                "created_by_id": 2,
            }
            for n in range(300)
        ],
    )
    concerns = [
        {"id": n, "provider_id": n * 7, "summary": "Concern", "opened_by_id": 2}
        for n in range(1, 31)
    ]
    insert(ProviderConcern.__table__, concerns)
    insert(
        ProviderConcernStage.__table__,
        [
            {
                "concern_id": c["id"],
                "stage": stage,
                "occurred_on": TODAY - timedelta(days=60 - 10 * s),
                "note": "",
                "recorded_by_id": 2,
            }
            for c in concerns
            for s, stage in enumerate(list(ConcernStage)[: 1 + c["id"] % 4])
        ],
    )
    insert(
        Embargo.__table__,
        [
            {
                "provider_id": n * 11,
                "starts_on": TODAY - timedelta(days=40),
                "ends_on": None if n % 2 else TODAY + timedelta(days=20),
                "reason": "Placements stopped",
                "created_by_id": 2,
            }
            for n in range(1, 16)
        ],
    )
    db.session.commit()
    return {"providers": providers, "items": items}


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the built tables, as autovacuum would by the time anyone reads a page.

    Analysed only, a freshly bulk-loaded table has no visibility map, so PostgreSQL cannot
    answer from an index alone (the risk figures' covering index); autovacuum vacuums an
    insert-only table too (PostgreSQL 13+), but may be off on a benchmark server.
    """
    from portal.extensions import db

    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def time_pages(app, user_id: int, paths: list[str], requests: int) -> tuple[list[float], int]:
    """Seconds per request for the user, over the paths in turn, and the queries per page."""
    from portal.extensions import db

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    for path in paths:  # warm caches and the connection pool
        assert client.get(path).status_code == 200
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    assert client.get(paths[0]).status_code == 200
    sa.event.remove(db.engine, "before_cursor_execute", count)
    seconds = []
    for n in range(requests):
        started = time.perf_counter()
        response = client.get(paths[n % len(paths)])
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
    return seconds, len(statements)


def percentile(values: list[float], share: float) -> float:
    """The value below which that share of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered) + 0.5) - 1)]


def run(backend: str, providers: int, items: int, requests: int, seed: int) -> None:
    """Build the data on one backend and print the timings."""
    from flask_migrate import upgrade

    from portal import clock, create_app
    from portal.extensions import db

    # The data is built around a fixed day.
    with (
        clock.fixed_today(TODAY),
        tempfile.TemporaryDirectory() as folder,
        database(backend, Path(folder)) as url,
    ):
        app = create_app({"env": "test", "database_url": url, "instance_path": folder})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build(providers, items, seed)
            if backend == "postgresql":
                vacuum_analyze()
            built = time.perf_counter() - started
            print(f"{backend}: built {providers:,} providers and {items:,} items in {built:.1f} s")
            for who, user_id in (("member", 1), ("chair", 2)):
                for label, paths in (
                    ("dashboard", ["/"]),
                    ("filtered", ["/?local_authority=Merton&period=12"]),
                ):
                    seconds, queries = time_pages(app, user_id, paths, requests)
                    print(
                        f"  {who:<7}{label:<11}p50 {statistics.median(seconds) * 1000:6.0f} ms"
                        f"   p95 {percentile(seconds, 0.95) * 1000:6.0f} ms"
                        f"   max {max(seconds) * 1000:6.0f} ms   {queries} queries",
                        flush=True,
                    )
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    """Run on SQLite, and on PostgreSQL when PORTAL_BENCH_DATABASE_URL is set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=1_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=SEED)
    options = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if os.environ.get(BENCH_ENV) else [])
    print(f"Dashboard benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for backend in backends:
        run(backend, options.providers, options.items, options.requests, options.seed)


if __name__ == "__main__":
    main()
