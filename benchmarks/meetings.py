"""Benchmark: a meeting's proposals, the HTML preview of a 40-provider pack, and issuing it.

On the dashboard benchmark's data (1,000 providers, 100,000 items; benchmarks/dashboard.py
builds it), a chair plans a meeting inviting every agency. Times, and prints:

- the proposals (every provider the rules put on the agenda, with its reasons), p50 and max;
- the chair trims the agenda to the 40 of highest risk (the rest removed with a reason), then
  the HTML preview of the pack through the Flask test client, p50 and max;
- issuing it (POST, so the PDF is laid out, drawn and stored), with its pages and bytes, and
  its pages against the target (PAGE_TARGET: a pack people read runs to tens of pages);
- the same pack's PDF again in two steps, to say where the time goes: WeasyPrint's layout
  (HTML and CSS into pages) and its drawing (pages into PDF bytes).

    .venv/bin/python benchmarks/meetings.py                    # SQLite
    PORTAL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/meetings.py                # and PostgreSQL too

Targets on the project's 2-core machine: proposals and preview under 2 s, issue under 10 s,
and the 40-provider pack at most 80 pages (130 before each item was shown by its first words).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard import (  # noqa: E402
    BENCH_ENV,
    SEED,
    TODAY,
    build,
    database,
    insert,
    vacuum_analyze,
)

AGENDA_SIZE = 40
PAGE_TARGET = 80
CHAIR_ID = 2  # the dashboard data's chair, in MERTON


def _timed(work: Any, runs: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def _line(label: str, seconds: list[float], extra: str = "") -> None:
    print(
        f"  {label:<28}p50 {statistics.median(seconds):6.2f} s   max {max(seconds):6.2f} s{extra}",
        flush=True,
    )


def plan_meeting(meeting_id: int, held_on: date) -> Any:
    """The chair's meeting inviting every agency (id given: the data's own rows have theirs)."""
    from portal.extensions import db
    from portal.models import Agency, Meeting

    agencies = db.session.scalars(sa.select(Agency)).all()
    meeting = Meeting(
        id=meeting_id, held_on=held_on, title="November", chair_id=CHAIR_ID, agencies=agencies
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def trim_agenda(meeting: Any, today: date, size: int) -> None:
    """Keep the `size` providers of highest risk the rules propose; the rest off, with a reason."""
    from portal.extensions import db
    from portal.meetings import proposals
    from portal.models import MeetingProvider

    plan = proposals.agenda(meeting, today)
    insert(
        MeetingProvider.__table__,
        [
            {
                "meeting_id": meeting.id,
                "provider_id": entry.provider_id,
                "added": False,
                "reason": "",
                "added_by_id": CHAIR_ID,
                "removed_reason": f"Not this month: the agenda holds the {size} of highest risk",
            }
            for entry in plan.entries[size:]
        ],
    )
    db.session.commit()


def run(backend: str, providers: int, items: int, runs: int, seed: int) -> None:
    """Build the data on one backend and print the timings."""
    from flask_migrate import upgrade

    from portal import clock, create_app
    from portal.extensions import db
    from portal.meetings import pack_content, pack_rendering, proposals
    from portal.models import Blob, Meeting, MeetingPack
    from portal.pdf import draw, layout

    # The data is built around a fixed day.
    with (
        clock.fixed_today(TODAY),
        tempfile.TemporaryDirectory() as folder,
        database(backend, Path(folder)) as url,
    ):
        # The group's cap on the discussion list set to the pack's size ([meetings.agenda]).
        rules = {"agenda": {"cap": AGENDA_SIZE}}
        app = create_app(
            {
                "env": "test",
                "database_url": url,
                "instance_path": folder,
                "csrf_enabled": False,
                "meetings": rules,
            }
        )
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build(providers, items, seed)
            db.session.commit()
            if backend == "postgresql":
                vacuum_analyze()
            print(
                f"{backend}: built {providers:,} providers and {items:,} items "
                f"in {time.perf_counter() - started:.1f} s"
            )

            meeting = plan_meeting(2, date(2026, 11, 26))
            seconds, plan = _timed(lambda: proposals.agenda(meeting, TODAY), runs)
            qualified = len(plan.entries) + len(plan.also_qualified)
            _line("proposals", seconds, f"   {qualified} providers qualified")
            trim_agenda(meeting, TODAY, AGENDA_SIZE)
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = str(CHAIR_ID)
                session["_fresh"] = True
            path = f"/meetings/{meeting.id}"

            def preview() -> int:
                response = client.get(f"{path}/pack")
                assert response.status_code == 200
                return len(response.data)

            seconds, size = _timed(preview, runs)
            _line(f"preview ({AGENDA_SIZE} providers)", seconds, f"   {size:,} bytes of HTML")

            started, cpu = time.perf_counter(), time.process_time()
            assert client.post(f"{path}/packs").status_code == 302
            issued, issued_cpu = time.perf_counter() - started, time.process_time() - cpu
            pack = db.session.scalars(sa.select(MeetingPack)).one()
            db.session.refresh(pack)
            blob = db.session.get(Blob, pack.pdf_sha256)
            pdf_size = blob.size if blob else 0
            items_shown = len(pack.item_ids)
            _line(
                "issue (PDF included)",
                [issued],
                f" ({issued_cpu:.2f} s CPU)   {pack.pages} pages, {pdf_size:,} bytes of PDF,"
                f" {items_shown:,} new items",
            )
            verdict = "within" if pack.pages <= PAGE_TARGET else "OVER"
            print(
                f"  pages                       {pack.pages} against the target of at most"
                f" {PAGE_TARGET}: {verdict}",
                flush=True,
            )

            with app.test_request_context("/"):
                content = pack_content.build_pack(
                    db.session.get(Meeting, meeting.id), TODAY, version=99
                )
                html = pack_rendering.render_pack(content, for_pdf=True)
                started, cpu = time.perf_counter(), time.process_time()
                laid_out = layout(html)
                laid, laid_cpu = time.perf_counter(), time.process_time()
                draw(laid_out)
                drawn, drawn_cpu = time.perf_counter(), time.process_time()
            print(
                f"  of which WeasyPrint           layout {laid - started:5.2f} s"
                f" ({laid_cpu - cpu:.2f} s CPU)   drawing {drawn - laid:5.2f} s"
                f" ({drawn_cpu - laid_cpu:.2f} s CPU), {len(laid_out.pages)} pages",
                flush=True,
            )
            # The table of providers for noting grows with the data, not with the agenda:
            # national-scale data puts hundreds in it. The pack's pages without it, to say
            # which part the target is missed by.
            noted = len(content.agenda.noting)
            content.agenda.noting = []
            with app.test_request_context("/"):
                without = len(layout(pack_rendering.render_pack(content, for_pdf=True)).pages)
            print(
                f"  without the noting table     {without} pages; the table lists {noted:,}"
                f" providers on {len(laid_out.pages) - without} pages",
                flush=True,
            )
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    """Run on SQLite, and on PostgreSQL when PORTAL_BENCH_DATABASE_URL is set."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--providers", type=int, default=1_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=SEED)
    options = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if os.environ.get(BENCH_ENV) else [])
    print(f"Meetings benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for backend in backends:
        run(backend, options.providers, options.items, options.runs, options.seed)


if __name__ == "__main__":
    main()
