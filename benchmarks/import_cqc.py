"""Benchmark: import a CQC "care directory with filters" file of 10,000 and 50,000 rows.

Shows that the importer streams: rows per second stay level and peak memory does not grow
with the file. Beside it, a yardstick: the same rows, read and parsed the same way, inserted
into an empty register with plain executemany (500 rows a statement, no lookups, no ratings or
service types), the fastest the database could take them; and, first for each size, the rows
per second of reading and parsing the file alone, with no database (the ceiling on this
machine as it is that day: the rates on a shared machine move a good deal from one day to the
next). An import is fast enough when its rows/s is at or above the yardstick's of the same
run ("vs yardstick" 1.00 or more), with peak memory the same at every size. On PostgreSQL the
import is also measured written through the session, without its pipeline ("postgresql,
session"), so the pipeline can be seen to pay for itself, or not. Each measurement runs in a
fresh process on a fresh database, so the figures do not leak into one another:

    .venv/bin/python benchmarks/import_cqc.py                  # SQLite
    PORTAL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/import_cqc.py              # and PostgreSQL too
    .venv/bin/python benchmarks/import_cqc.py --sizes 5000 20000   # quicker

For PostgreSQL a throwaway database is created on that server and dropped afterwards. The
file is generated with a fixed seed, so every run imports the same data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from pathlib import Path

SIZES = (10_000, 50_000)
SEED = 20_261_001
BENCH_ENV = "PORTAL_BENCH_DATABASE_URL"

SERVICE_COLUMNS = [
    "Service type - Care home service with nursing",
    "Service type - Care home service without nursing",
    "Service type - Domiciliary care service",
    "Service type - Supported living service",
    "Service type - Extra Care housing services",
    "Service type - Shared Lives",
    "Service type - Hospice services",
]
HEADER = [
    "Location ID",
    "Location HSCA start date",
    "Dormant (Y/N)",
    "Care home?",
    "Location Name",
    "Location ODS Code",
    "Location Telephone Number",
    "Registered manager",
    "Location Web Address",
    "Care homes beds",
    "Location Type/Sector",
    "Location Inspection Directorate",
    "Location Primary Inspection Category",
    "Location Latest Overall Rating",
    "Publication Date",
    "Inherited Rating (Y/N)",
    "Location Region",
    "Location NHS Region",
    "Location Local Authority",
    "Location ONSPD CCG Code",
    "Location ONSPD CCG",
    "Location Commissioning CCG Code",
    "Location Commissioning CCG",
    "Location Street Address",
    "Location Address Line 2",
    "Location City",
    "Location County",
    "Location Postal Code",
    "Location Paf ID",
    "Location UPRN ID",
    "Location Latitude",
    "Location Longitude",
    "Location Parliamentary Constituency",
    "Location Also Known As",
    "Location Specialisms",
    "Provider ID",
    "Provider Name",
    *SERVICE_COLUMNS,
    "Service user band - Dementia",
    "Service user band - Older People",
    "Regulated activity - Personal care",
]
WORDS = [
    "Oak",
    "Willow",
    "Cedar",
    "Rose",
    "Meadow",
    "River",
    "Park",
    "Church",
    "Elm",
    "Grange",
    "Abbey",
    "Orchard",
    "Heath",
]
KINDS = ["Care Home", "Nursing Home", "Lodge", "House", "Court", "Homecare", "Care Centre"]
RATINGS = ["Outstanding", "Good", "Good", "Good", "Requires improvement", "Inadequate", ""]
AUTHORITIES = ["Merton", "Sutton", "Croydon", "Kingston upon Thames", "Wandsworth", "Harrow"]


def generate(path: Path, rows: int) -> None:
    """Write a layout-1 file of `rows` locations (fixed seed; quirks included)."""
    from portal.postcodes import _districts

    rng = random.Random(SEED)
    districts = [d for d, info in _districts().items() if info.centroid and d[-1].isdigit()]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for n in range(rows):
            district = rng.choice(districts)
            lat, lon = _districts()[district].centroid
            apostrophe = rng.choice(["'", "’", ""])
            row = dict.fromkeys(HEADER, "")
            row.update(
                {
                    "Location ID": f"1-{1_000_000_000 + n}",
                    "Location Name": f"St {rng.choice(WORDS)}{apostrophe}s {rng.choice(KINDS)}",
                    "Care home?": rng.choice("YN"),
                    "Care homes beds": str(rng.randint(5, 120)),
                    "Dormant (Y/N)": "N",
                    "Location Latest Overall Rating": rng.choice(RATINGS),
                    "Publication Date": f"{rng.randint(1, 28):02}/{rng.randint(1, 12):02}/2024",
                    "Location Region": "London",
                    "Location Local Authority": rng.choice(AUTHORITIES),
                    "Location Street Address": f"{rng.randint(1, 300)} {rng.choice(WORDS)} Road",
                    # A quoted field with a comma and a line break, as real files have.
                    "Location Address Line 2": f"Flat {n % 7},\nBlock {n % 3}",
                    "Location City": "London",
                    "Location Postal Code": f"{district.lower()}{rng.randint(0, 9)}AB",
                    "Location Latitude": f"{lat + rng.uniform(-0.02, 0.02):.6f}",
                    "Location Longitude": f"{lon + rng.uniform(-0.02, 0.02):.6f}",
                    "Provider ID": f"1-{100_000_000 + n // 3}",
                    "Provider Name": f"{rng.choice(WORDS)} Care Ltd",
                    rng.choice(SERVICE_COLUMNS): "Y",
                    "Location Specialisms": "Dementia|Caring for adults over 65 yrs",
                }
            )
            writer.writerow([row[h] for h in HEADER])


@contextmanager
def database(backend: str, folder: Path):
    """A fresh database of the backend, migrated to the current schema; yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    import sqlalchemy as sa
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


def measure(backend: str, rows: int, file: Path, traced: bool, session: bool = False) -> dict:
    """In this process: import the file into a fresh database; return the figures. With
    `session`, PostgreSQL's import writes through the session, without its pipeline."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.bulk import PipelinedWriter
    from portal.extensions import db
    from portal.providers.importer import import_cqc_file

    if session:
        PipelinedWriter.supported = staticmethod(lambda: False)  # type: ignore[method-assign]

    with tempfile.TemporaryDirectory() as folder, database(backend, Path(folder)) as url:
        app = create_app({"env": "test", "database_url": url, "instance_path": folder})
        with app.app_context():
            upgrade()
            # Once per process, before any first use of the ORM (here the import's audit
            # event); the yardstick uses none, so neither is timed with it.
            sa.orm.configure_mappers()
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            report = import_cqc_file(file)
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if traced else None
            tracemalloc.stop()
            started = time.perf_counter()
            rerun = import_cqc_file(file)
            rerun_seconds = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
    assert report.created == rows and rerun.unchanged == rows, (report.summary(), rerun.summary())
    return {
        "backend": backend,
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "rerun_rows_per_second": rows / rerun_seconds,
        "tracemalloc_peak_mb": peak / 2**20 if peak is not None else None,
        # Linux reports kilobytes.
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def yardstick(backend: str, rows: int, file: Path) -> float:
    """Rows/s of the same file parsed the same way and inserted with plain executemany."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.bulk import batched, csv_rows
    from portal.extensions import db
    from portal.models import Provider
    from portal.providers.importer import SETTABLE, _find_header

    with tempfile.TemporaryDirectory() as folder, database(backend, Path(folder)) as url:
        app = create_app({"env": "test", "database_url": url, "instance_path": folder})
        with app.app_context():
            upgrade()
            sa.orm.configure_mappers()
            started = time.perf_counter()
            with file.open("rb") as handle:
                lines = csv_rows(handle, [])
                layout, headers = _find_header(lines)
                read = layout.reader(headers)

                def records():  # noqa: ANN202
                    for _line, row in lines:
                        record = read(row)
                        yield dict(SETTABLE, cqc_location_id=record.location_id) | {
                            k: ("" if k == "address" and v is None else v)
                            for k, v in record.fields.items()
                        }

                for batch in batched(records(), 500):
                    db.session.execute(sa.insert(Provider.__table__), batch)
                    db.session.commit()
            seconds = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
    return rows / seconds


def parse_only(file: Path) -> float:
    """Rows/s of reading and parsing the file alone, no database: the ceiling for the import
    on this machine as it is today (the yardstick's and the import's reading is this)."""
    from portal import create_app
    from portal.bulk import csv_rows
    from portal.providers.importer import ImportReport, _batches, _find_header

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"env": "test", "database_url": "sqlite://", "instance_path": folder})
        with app.app_context(), file.open("rb") as handle:
            started = time.perf_counter()
            report = ImportReport(file.name)
            lines = csv_rows(handle, report.skipped_rows)
            layout, headers = _find_header(lines)
            batches = _batches(lines, layout, headers, report, 500)
            rows = sum(len(batch) for batch in batches)
            return rows / (time.perf_counter() - started)


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
    parser.add_argument("--sizes", nargs="+", type=int, default=SIZES, metavar="ROWS")
    options = parser.parse_args()
    if options.child:
        backend, rows, file, traced = options.child
        if traced == "yardstick":
            print(json.dumps({"rows_per_second": yardstick(backend, int(rows), Path(file))}))
        elif traced == "parse":
            print(json.dumps({"rows_per_second": parse_only(Path(file))}))
        else:
            # "0" or "1" (under tracemalloc); "session" or "session1" the same without a pipeline.
            session = traced.startswith("session")
            figures = measure(backend, int(rows), Path(file), traced.endswith("1"), session)
            print(json.dumps(figures))
        return
    backends = ["sqlite"] + (["postgresql"] if os.environ.get(BENCH_ENV) else [])
    print(f"CQC import benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(
        f"{'backend':<21}{'rows':>8}{'seconds':>9}{'rows/s':>9}{'rerun rows/s':>14}"
        f"{'peak MB (tracemalloc)':>23}{'max RSS MB':>12}{'executemany rows/s':>20}"
        f"{'vs yardstick':>14}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for rows in options.sizes:
            file = Path(folder) / f"cqc-{rows}.csv"
            generate(file, rows)
            parsed = child(["-", str(rows), str(file), "parse"])["rows_per_second"]
            print(f"{'(parse only)':<21}{rows:>8}{rows / parsed:>9.1f}{parsed:>9.0f}", flush=True)
            for backend in backends:
                plain = child([backend, str(rows), str(file), "yardstick"])["rows_per_second"]
                variants = [("", backend)]
                if backend == "postgresql":
                    variants.append(("session", "postgresql, session"))
                for variant, label in variants:
                    timed = child([backend, str(rows), str(file), variant or "0"])
                    traced = child([backend, str(rows), str(file), f"{variant}1"])
                    peak = traced["tracemalloc_peak_mb"]
                    print(
                        f"{label:<21}{rows:>8}{timed['seconds']:>9.1f}"
                        f"{timed['rows_per_second']:>9.0f}{timed['rerun_rows_per_second']:>14.0f}"
                        f"{peak:>23.1f}{timed['max_rss_mb']:>12.0f}"
                        f"{plain:>20.0f}{timed['rows_per_second'] / plain:>14.2f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
