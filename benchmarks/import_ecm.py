"""Benchmark: import electronic care monitoring visit logs of 100,000 and 1,000,000 rows.

Shows that the ECM import streams: memory does not grow with the file, and rows per second
stay level. Each measurement runs in a fresh process on a fresh database (200 home-care
providers already registered), so the figures do not leak into one another:

    .venv/bin/python benchmarks/import_ecm.py                  # SQLite
    PORTAL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/import_ecm.py              # and PostgreSQL too
    .venv/bin/python benchmarks/import_ecm.py --sizes 100000   # a quicker run

For PostgreSQL a throwaway database is created on that server and dropped afterwards. The file
is generated with a fixed seed (about 5% of visits missed, some late and some short), so every
run imports the same data. After the import, the same file is imported again (every visit
unchanged): the re-run figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_cqc import BENCH_ENV, database  # noqa: E402

SIZES = (100_000, 1_000_000)
SEED = 20_261_129
PROVIDERS = 200
HEADER = "visit_id,cqc_location_id,planned_start,planned_minutes,actual_start,actual_end\n"


def generate(path: Path, rows: int) -> None:
    """Write a visit log of `rows` visits in the portal's layout (fixed seed)."""
    rng = random.Random(SEED)
    start = datetime(2025, 12, 1, 7, 0)
    minutes_span = 365 * 24 * 60
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        for n in range(rows):
            planned = start + timedelta(minutes=rng.randrange(0, minutes_span, 15))
            length = rng.choice((15, 30, 30, 45, 60))
            provider = f"1-{900_000_000 + n % PROVIDERS}"
            roll = rng.random()
            if roll < 0.05:
                actual = ","
            else:
                delay = rng.randint(-5, 50) if roll < 0.15 else rng.randint(-5, 15)
                stay = length * (rng.uniform(0.4, 0.7) if roll > 0.9 else rng.uniform(0.8, 1.1))
                began = planned + timedelta(minutes=delay)
                ended = began + timedelta(minutes=stay)
                actual = f"{began:%Y-%m-%dT%H:%M},{ended:%Y-%m-%dT%H:%M}"
            handle.write(f"V{n:08d},{provider},{planned:%Y-%m-%dT%H:%M},{length},{actual}\n")


def measure(backend: str, rows: int, file: Path, traced: bool) -> dict:
    """In this process: import the file into a fresh database; return the figures."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.ecm.importer import import_ecm_file
    from portal.ecm.mappings import mapping_named
    from portal.extensions import db
    from portal.models import Agency, AgencyKind, Marking, Provider

    with tempfile.TemporaryDirectory() as folder, database(backend, Path(folder)) as url:
        app = create_app({"env": "test", "database_url": url, "instance_path": folder})
        with app.app_context():
            upgrade()
            agency = Agency(code="MERTON", name="Merton", kind=AgencyKind.COUNCIL)
            db.session.add(agency)
            db.session.execute(
                sa.insert(Provider),
                [
                    {"cqc_location_id": f"1-{900_000_000 + n}", "name": f"Homecare {n}"}
                    for n in range(PROVIDERS)
                ],
            )
            db.session.commit()
            mapping = mapping_named("portal")
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            report = import_ecm_file(file, mapping, agency, Marking.AMBER)
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if traced else None
            tracemalloc.stop()
            rerun_rate = None
            if not traced:
                started = time.perf_counter()
                rerun = import_ecm_file(file, mapping, agency, Marking.AMBER)
                rerun_rate = rows / (time.perf_counter() - started)
                assert rerun.imported == rerun.updated == 0, rerun.summary()
            db.session.remove()
            db.engine.dispose()
    assert report.imported == rows, report.summary()
    return {
        "rows_per_second": rows / seconds,
        "seconds": seconds,
        "rerun_rows_per_second": rerun_rate,
        "tracemalloc_peak_mb": peak / 2**20 if peak is not None else None,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(args: list[str]) -> dict:
    """Run one measurement in a fresh process, so memory figures start from zero."""
    output = subprocess.run(  # noqa: S603 - our own script, our own arguments
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    """Generate the files, measure each backend and size, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=4, metavar=("BACKEND", "ROWS", "FILE", "TRACED"))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    options = parser.parse_args()
    if options.child:
        backend, rows, file, traced = options.child
        print(json.dumps(measure(backend, int(rows), Path(file), traced == "1")))
        return
    backends = ["sqlite"] + (["postgresql"] if os.environ.get(BENCH_ENV) else [])
    print(f"ECM import benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(
        f"{'backend':<11}{'rows':>10}{'seconds':>9}{'rows/s':>9}{'rerun rows/s':>14}"
        f"{'peak MB (tracemalloc)':>23}{'max RSS MB':>12}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for rows in options.sizes:
            file = Path(folder) / f"ecm-{rows}.csv"
            generate(file, rows)
            for backend in backends:
                timed = child([backend, str(rows), str(file), "0"])
                traced = child([backend, str(rows), str(file), "1"])
                print(
                    f"{backend:<11}{rows:>10}{timed['seconds']:>9.1f}"
                    f"{timed['rows_per_second']:>9.0f}{timed['rerun_rows_per_second']:>14.0f}"
                    f"{traced['tracemalloc_peak_mb']:>23.1f}{timed['max_rss_mb']:>12.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
