"""Benchmark: provider concerns and embargoes on the dashboard benchmark's data.

On 1,000 providers and 100,000 items (built by benchmarks/dashboard.py, with 30 open concerns
and 15 embargoes), as a chair: the provider page of a provider with an open concern and an
embargo (the concerns panel alone and the whole page, with query counts), the provider list
filtered to embargoed providers, the embargo page, and the notice to other boroughs as PDF
(seconds, bytes, pages). Prints p50 and p95 per backend:

    .venv/bin/python benchmarks/concerns.py                    # SQLite
    PORTAL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/concerns.py                # and PostgreSQL too
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard import (  # noqa: E402
    BENCH_ENV,
    SEED,
    TODAY,
    build,
    database,
    percentile,
    time_pages,
    vacuum_analyze,
)

CHAIR_ID = 2


def line(label: str, seconds: list[float], extra: str = "") -> None:
    """One printed figure: p50 and p95 in milliseconds."""
    print(
        f"  {label:<34}p50 {statistics.median(seconds) * 1000:7.1f} ms"
        f"   p95 {percentile(seconds, 0.95) * 1000:7.1f} ms   {extra}",
        flush=True,
    )


def run(backend: str, providers: int, items: int, requests: int) -> None:
    """Build the data on one backend and print the figures."""
    from flask_migrate import upgrade
    from pypdf import PdfReader

    from portal import clock, create_app
    from portal.concerns import embargoes, notices, services
    from portal.extensions import db
    from portal.models import Embargo, ProviderConcern, User

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
            build(providers, items, SEED)
            if backend == "postgresql":
                vacuum_analyze()
            print(f"{backend}: built in {time.perf_counter() - started:.1f} s", flush=True)
            embargoed = set(db.session.scalars(sa.select(Embargo.provider_id)))
            concern = db.session.scalars(
                sa.select(ProviderConcern).order_by(ProviderConcern.id)
            ).all()
            provider_id = next(c.provider_id for c in concern if c.provider_id in embargoed)
            embargo_id = db.session.scalar(
                sa.select(Embargo.id).where(Embargo.provider_id == provider_id)
            )
            chair = db.session.get(User, CHAIR_ID)

            statements: list[str] = []

            def count(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
                statements.append(statement)

            db.session.expunge_all()
            sa.event.listen(db.engine, "before_cursor_execute", count)
            services.provider_panel(chair, provider_id, TODAY)
            sa.event.remove(db.engine, "before_cursor_execute", count)
            panel_queries = len(statements)
            seconds = []
            for _ in range(requests):
                db.session.expunge_all()
                begun = time.perf_counter()
                services.provider_panel(chair, provider_id, TODAY)
                seconds.append(time.perf_counter() - begun)
            line("concerns panel (service)", seconds, f"{panel_queries} queries")

            for label, path in (
                ("provider page (whole)", f"/providers/{provider_id}"),
                ("providers with an embargo", "/providers?active_embargo=y"),
                ("embargo page", f"/embargoes/{embargo_id}"),
            ):
                seconds, queries = time_pages(app, CHAIR_ID, [path], requests)
                line(label, seconds, f"{queries} queries")

            embargo = embargoes.load_embargo(embargo_id)
            assert embargo is not None
            seconds, size, pages = [], 0, 0
            with app.test_request_context():
                for _ in range(max(3, requests // 4)):
                    begun = time.perf_counter()
                    document = notices.notice_document(chair, embargo, TODAY)
                    seconds.append(time.perf_counter() - begun)
                size, pages = len(document.pdf), len(PdfReader(io.BytesIO(document.pdf)).pages)
            line("notice to other boroughs (PDF)", seconds, f"{size:,} bytes, {pages} page(s)")
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    """Run on SQLite, and on PostgreSQL when PORTAL_BENCH_DATABASE_URL is set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=1_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if os.environ.get(BENCH_ENV) else [])
    print(
        f"Concerns and embargoes benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    for backend in backends:
        run(backend, options.providers, options.items, options.requests)


if __name__ == "__main__":
    main()
