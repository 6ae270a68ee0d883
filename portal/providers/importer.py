"""Import CQC's published location files: stream, upsert by location ID, report every skip.

The file is streamed and written in batches by the shared bulk loader (portal.bulk): each batch
looks up its locations, their ratings and service types in one query per table, writes with
one statement per table (new locations, changed locations, ratings, service types), and is
committed, so memory stays flat however long the file is and nothing is done per row. On
PostgreSQL the writes go down a pipeline and the next batch is read and planned while the
server makes them (see _write_pipelined). A row that cannot be read is skipped with its line
number and reason; the rest carry on. Re-importing the same file changes nothing: values are
compared before they are set, so an unchanged location is neither written nor counted as
updated. Counts are of locations (a ratings file has a row per key question)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from portal import audit
from portal.bulk import (
    PipelinedWriter,
    SessionWriter,
    SkippedRow,
    Statements,
    Writer,
    among,
    collector_paused,
    csv_rows,
    refusal_reason,
    write_batch,
    young_collected,
)
from portal.extensions import db
from portal.import_report import ImportReport
from portal.models import (
    Provider,
    ProviderRating,
    ProviderServiceType,
    SearchChange,
    User,
    utcnow,
)
from portal.providers.layouts import Layout, LocationRecord, RowError, recognise
from portal.search import changes

__all__ = ["ImportFailed", "ImportReport", "SkippedRow", "import_cqc", "import_cqc_file"]

#: Locations a batch holds, by database. SQLite writes each commit's changed pages again
#: (its write-ahead log): the register's indexes take keys all over, so a bigger batch shares
#: pages between more rows (2,000 a batch: 26 commits cost 0.6 s at 50,000 rows, where 101
#: cost 1.6 s). PostgreSQL gains nothing past 500 and holds two batches at once (pipeline).
BATCH_SIZES = {"sqlite": 2000}
BATCH_SIZE = 500
# Preamble lines tolerated before the header row (the weekly file has four).
MAX_PREAMBLE_ROWS = 30


class ImportFailed(Exception):
    """The file as a whole cannot be imported (unreadable, or not a CQC layout)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def import_cqc_file(path: str | Path, user: User | None = None) -> ImportReport:
    """Import a CQC file from disk; ImportFailed if it is missing, unreadable or not CQC's."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ImportFailed(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise ImportFailed(f"{path} is a folder, not a CSV file.") from None
    except OSError as exc:
        raise ImportFailed(f"{path} cannot be read: {exc.strerror or exc}.") from None
    with handle:
        return import_cqc(handle, path.name, user=user)


def import_cqc(
    stream: IO[bytes] | IO[str] | Iterable[Any],
    file_name: str,
    *,
    user: User | None = None,
    batch_size: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a CQC CSV from a binary or text stream; return the report (commits as it goes).
    `progress` is told the counts after each batch."""
    report = ImportReport(file_name=file_name, progress=progress)
    rows = csv_rows(stream, report.skipped_rows)
    layout, headers = _find_header(rows)
    report.layout = layout.title
    if batch_size is None:
        batch_size = BATCH_SIZES.get(db.session.get_bind().dialect.name, BATCH_SIZE)
    batches = young_collected(_batches(rows, layout, headers, report, batch_size))
    with collector_paused():
        _write(batches, report)
    report.skipped_rows.sort(key=lambda skipped: skipped.line)
    audit.record(
        "providers-imported",
        user=user,
        object_type="providers",
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        skipped=report.skipped,
        file=file_name[:200],
    )
    db.session.commit()
    return report


# --- reading ---------------------------------------------------------------------------------


def _find_header(rows: Iterator[tuple[int, list[str]]]) -> tuple[Layout, dict[str, int]]:
    """Read up to the header row (any preamble before it); ImportFailed if there is none."""
    seen = 0
    for _line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        layout = recognise(row)
        if layout is not None:
            headers: dict[str, int] = {}
            for index, cell in enumerate(row):
                headers.setdefault(cell.strip(), index)
            return layout, headers
        seen += 1
        if seen >= MAX_PREAMBLE_ROWS:
            break
    if seen == 0:
        raise ImportFailed("The file is empty.")
    raise ImportFailed(
        "The file is not in a CQC layout this service recognises: no header row with "
        "“Location ID” and “Location Name” (care directory with filters), “Location ID”, "
        "“Domain” and “Latest Rating” (latest ratings), or “Name”, “Postcode” and "
        "“CQC Location (for office use only” (weekly care directory) was found."
    )


def _batches(
    rows: Iterator[tuple[int, list[str]]],
    layout: Layout,
    headers: dict[str, int],
    report: ImportReport,
    batch_size: int,
) -> Iterator[list[tuple[int, LocationRecord]]]:
    """The file's records in batches; a batch ends between locations (a ratings file's rows
    for one location stay together). Rows that cannot be read go to the report."""
    read = layout.reader(headers)
    width = max(headers.values()) + 1
    batch: list[tuple[int, LocationRecord]] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank and trailing rows are not data
        if len(row) < width:
            row += [""] * (width - len(row))  # a short row's missing cells are blank
        try:
            record = read(row)
        except RowError as error:
            report.skip(line, str(error))
            continue
        if len(batch) >= batch_size and record.location_id != batch[-1][1].location_id:
            yield batch
            batch = []
        batch.append((line, record))
    if batch:
        yield batch


# --- writing ---------------------------------------------------------------------------------

PROVIDERS = cast(sa.Table, Provider.__table__)
RATINGS = cast(sa.Table, ProviderRating.__table__)
SERVICE_TYPES = cast(sa.Table, ProviderServiceType.__table__)
SEARCH_CHANGES = cast(sa.Table, SearchChange.__table__)
#: The register's columns an import may set, and the value a new location starts with.
SETTABLE: dict[str, Any] = {
    column.name: getattr(column.default, "arg", None)
    for column in PROVIDERS.columns
    if column.name not in ("id", "created_at", "updated_at")
}


@dataclass
class _Location:
    """A location as the batch has it: its values, service types and ratings."""

    provider_id: int | None
    values: dict[str, Any]
    service_types: set[str]
    ratings: dict[str, tuple[Any, date | None]]
    outcome: str = "unchanged"

    def copy(self) -> _Location:
        """The location as the next batch starts from it (unchanged so far)."""
        return _Location(
            self.provider_id, dict(self.values), set(self.service_types), dict(self.ratings)
        )


Batch = list[tuple[int, LocationRecord]]


@dataclass
class _Plan:
    """What a batch writes: its locations after the batch, and which are new or changed."""

    locations: dict[str, _Location]
    before: dict[str, tuple[dict[str, Any], set[str], dict[str, Any]]]
    created: list[_Location]
    changed: list[_Location]
    skipped: dict[int, str]

    def outcomes(self) -> Counter[str]:
        """How many locations the batch created, updated and left unchanged."""
        return Counter(loc.outcome for loc in self.locations.values())


#: The batch sent and not yet confirmed, with its plan.
_InFlight = tuple[Batch, _Plan] | None


def _write_batch(batch: Batch, report: ImportReport) -> None:
    """Write a batch in one transaction; if the database refuses it, retry row by row."""
    skipped: dict[int, str] = {}

    def refused(entry: tuple[int, LocationRecord], error: SQLAlchemyError) -> None:
        skipped[entry[0]] = refusal_reason(error)

    outcomes = write_batch(batch, lambda rows: _apply_batch(rows, skipped), refused)
    _count(report, outcomes, skipped)


def _count(report: ImportReport, outcomes: Counter[str], skipped: dict[int, str]) -> None:
    for line, reason in sorted(skipped.items()):
        report.skip(line, reason)
    report.count(outcomes["created"], outcomes["updated"], outcomes["unchanged"])


def _write(batches: Iterator[Batch], report: ImportReport) -> None:
    """Write the batches: down a pipeline where the database has one and there is more than
    one batch to overlap (a file of one batch starts no second connection), through the
    session otherwise."""
    pipelined = PipelinedWriter.supported()
    if pipelined:
        pipelined, batches = _more_than_one(batches)
    if pipelined:
        with PipelinedWriter.open() as writer:
            _write_pipelined(batches, report, writer)
    else:
        for batch in batches:
            _write_batch(batch, report)


def _more_than_one(batches: Iterator[Batch]) -> tuple[bool, Iterator[Batch]]:
    """Whether there is more than one batch, and all the batches: the two read ahead are
    held only until they are written, so memory stays that of the batches in hand."""
    ahead = list(islice(batches, 2))
    return len(ahead) > 1, _drained(ahead, batches)


def _drained(ahead: list[Batch], rest: Iterator[Batch]) -> Iterator[Batch]:
    """The batches read ahead, each let go as it is handed on, then the rest."""
    while ahead:
        yield ahead.pop(0)
    yield from rest


def _write_pipelined(
    batches: Iterator[Batch], report: ImportReport, writer: PipelinedWriter
) -> None:
    """PostgreSQL: each batch is sent without waiting, and the next one read and planned while
    the server writes it; the server's answer is awaited only before the next batch is sent.

    The next batch is planned from the committed register plus the batch in flight (a location
    in both is taken as the batch in flight leaves it). If the server refuses the batch in
    flight, it is rolled back, retried through the session a row at a time, and the next batch
    planned again from what was saved.
    """
    pending: _InFlight = None
    for batch in batches:
        plan, statements = _prepare(batch, pending[1] if pending else None)
        if pending is not None and not _settle(writer, *pending, report):
            plan, statements = _prepare(batch, None)
        pending = None
        if statements:
            writer.send(statements)
            pending = batch, plan
        else:
            _count(report, plan.outcomes(), plan.skipped)
    if pending is not None:
        _settle(writer, *pending, report)


def _prepare(batch: Batch, in_flight: _Plan | None) -> tuple[_Plan, Statements]:
    """The batch's plan and its statements, ready to send as soon as the server is free."""
    plan = _plan(batch, in_flight)
    statements = Statements()
    _write_plan(plan, statements)
    return plan, statements


def _settle(writer: PipelinedWriter, batch: Batch, plan: _Plan, report: ImportReport) -> bool:
    """Wait for the batch in flight; count it, or retry it row by row if it was refused."""
    try:
        writer.confirm()
    except SQLAlchemyError:
        writer.recover()
        _write_batch(batch, report)
        return False
    _count(report, plan.outcomes(), plan.skipped)
    return True


def _lookup(location_ids: set[str]) -> dict[str, _Location]:
    """The batch's known locations with their ratings and service types: three queries."""
    found: dict[str, _Location] = {}
    names = list(SETTABLE)
    for pid, *row in db.session.execute(
        sa.select(PROVIDERS.c.id, *(PROVIDERS.c[name] for name in names)).where(
            among(PROVIDERS.c.cqc_location_id, sorted(location_ids))
        )
    ):
        values = dict(zip(names, row, strict=True))
        found[values["cqc_location_id"]] = _Location(pid, values, set(), {})
    by_id = {location.provider_id: location for location in found.values()}
    if by_id:
        for pid, code in db.session.execute(
            sa.select(SERVICE_TYPES.c.provider_id, SERVICE_TYPES.c.service_type).where(
                among(SERVICE_TYPES.c.provider_id, sorted(by_id))
            )
        ):
            by_id[pid].service_types.add(code)
        for pid, domain, rating, published_on in db.session.execute(
            sa.select(
                RATINGS.c.provider_id, RATINGS.c.domain, RATINGS.c.rating, RATINGS.c.published_on
            ).where(among(RATINGS.c.provider_id, sorted(by_id)))
        ):
            by_id[pid].ratings[str(domain)] = (rating, published_on)
    return found


def _plan(batch: Sequence[tuple[int, LocationRecord]], in_flight: _Plan | None) -> _Plan:
    """Look the batch's locations up (those of the batch in flight as it leaves them, the rest
    from the register) and apply its records to them."""
    location_ids = {record.location_id for _, record in batch}
    flying = in_flight.locations if in_flight is not None else {}
    locations = _lookup(location_ids - flying.keys())
    locations.update((key, flying[key].copy()) for key in location_ids & flying.keys())
    before = {
        key: (dict(loc.values), set(loc.service_types), dict(loc.ratings))
        for key, loc in locations.items()
    }
    skipped: dict[int, str] = {}
    for line, record in batch:
        location = locations.get(record.location_id)
        creating = location is None or location.outcome == "created"
        if location is None:
            if "name" not in record.fields:
                skipped[line] = "missing Location Name (needed to add a new location)"
                continue
            values = dict(SETTABLE, cqc_location_id=record.location_id)
            location = locations[record.location_id] = _Location(None, values, set(), {}, "created")
        apply_record(location, record, creating=creating)
    created = [loc for loc in locations.values() if loc.outcome == "created"]
    changed = [
        loc
        for key, loc in locations.items()
        if loc.outcome != "created" and (loc.values, loc.service_types, loc.ratings) != before[key]
    ]
    for loc in changed:
        loc.outcome = "updated"
    if created:
        ids = _new_ids(len(created))
        for loc, pid in zip(created, ids, strict=True):
            loc.provider_id = pid
    return _Plan(locations, before, created, changed, skipped)


def _new_ids(count: int) -> Iterable[int]:
    """Ids for the batch's new locations, drawn before they are written: one query, and
    their service types and ratings go in the same batch without reading anything back.

    PostgreSQL draws them from the table's sequence. SQLite's are the next after the highest
    (as SQLite itself picks a rowid); if another writer takes one first, the batch is refused
    and retried a row at a time, with ids drawn again.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('providers', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": count},
        ).scalars()
    highest = db.session.scalar(sa.select(sa.func.max(PROVIDERS.c.id))) or 0
    return range(highest + 1, highest + 1 + count)


def _apply_batch(
    batch: Sequence[tuple[int, LocationRecord]], skipped: dict[int, str]
) -> Counter[str]:
    """Plan the batch and write it through the session (committed by write_batch)."""
    plan = _plan(batch, None)
    skipped.update(plan.skipped)
    _write_plan(plan, SessionWriter())
    return plan.outcomes()


def _write_plan(plan: _Plan, writer: Writer) -> None:
    now = utcnow()
    created, changed = plan.created, plan.changed
    if created:
        _insert_created(created, now, writer)
    if changed:
        writer.execute_many(
            sa.update(PROVIDERS).where(PROVIDERS.c.id == sa.bindparam("pid")),
            PROVIDERS,
            [dict(loc.values, pid=loc.provider_id, updated_at=now) for loc in changed],
        )
    _write_service_types(created + changed, plan.before, plan.locations, writer)
    _write_ratings(created, changed, writer)
    # The search change log, in this transaction (the ORM's flush hook sees none of this).
    writer.insert(
        SEARCH_CHANGES,
        [
            {"entity": changes.PROVIDER, "entity_id": loc.provider_id, "changed_at": now}
            for loc in created + changed
        ],
    )


def _write_service_types(
    written: list[_Location],
    before: dict[str, tuple[dict[str, Any], set[str], dict[str, Any]]],
    locations: dict[str, _Location],
    writer: Writer,
) -> None:
    keys = {id(loc): key for key, loc in locations.items()}
    added, removed = [], []
    for loc in written:
        old = before.get(keys[id(loc)], ({}, set(), {}))[1]
        added += [
            {"provider_id": loc.provider_id, "service_type": c}
            for c in sorted(loc.service_types - old)
        ]
        removed += [{"pid": loc.provider_id, "code": c} for c in sorted(old - loc.service_types)]
    writer.execute_many(
        sa.delete(SERVICE_TYPES).where(
            SERVICE_TYPES.c.provider_id == sa.bindparam("pid"),
            SERVICE_TYPES.c.service_type == sa.bindparam("code"),
        ),
        SERVICE_TYPES,
        removed,
    )
    writer.insert(SERVICE_TYPES, added)


def _insert_created(created: list[_Location], now: datetime, writer: Writer) -> None:
    """Insert the batch's new locations, with the ids drawn for them when it was planned."""
    writer.insert(
        PROVIDERS,
        [dict(loc.values, id=loc.provider_id, created_at=now, updated_at=now) for loc in created],
    )


def _rating_rows(locations: list[_Location]) -> list[dict[str, Any]]:
    return [
        {
            "provider_id": loc.provider_id,
            "domain": domain,
            "rating": rating,
            "published_on": published_on,
        }
        for loc in locations
        for domain, (rating, published_on) in sorted(loc.ratings.items())
    ]


def _write_ratings(created: list[_Location], changed: list[_Location], writer: Writer) -> None:
    """New locations' ratings are plain inserts; changed ones' replace what is there."""
    writer.insert(RATINGS, _rating_rows(created))
    writer.upsert(
        RATINGS,
        _rating_rows(changed),
        key=("provider_id", "domain"),
        update=("rating", "published_on"),
    )


def apply_record(location: _Location, record: LocationRecord, *, creating: bool) -> None:
    """Set what the record says on the location (values, service types, ratings)."""
    if creating or not record.fields_on_create_only:
        location.values.update(record.fields)
        if "address" in record.fields and record.fields["address"] is None:
            location.values["address"] = ""
    if record.service_types is not None:
        current = location.service_types
        location.service_types = (current - record.managed_service_types) | record.service_types
    for domain, (rating, published_on) in record.ratings.items():
        existing = location.ratings.get(str(domain))
        # An older file never takes a newer rating back.
        if existing is not None:
            old_date = existing[1]
            if old_date and published_on and published_on < old_date:
                continue
        location.ratings[str(domain)] = (rating, published_on)
