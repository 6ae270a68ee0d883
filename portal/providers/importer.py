"""Import CQC's published location files: stream, upsert by location ID, report every skip.

The file is streamed and written in batches by the shared bulk loader (portal.bulk): each batch
looks up its locations, their ratings and service types in one query per table, writes with
one executemany statement per table (new locations, changed locations, ratings, service types),
and is committed, so memory stays flat however long the file is and nothing is done per row. A row that cannot be read is skipped with its
line number and reason; the rest carry on. Re-importing the same file changes nothing: values
are compared before they are set, so an unchanged location is neither written nor counted as
updated. Counts are of locations (a ratings file has a row per key question).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from portal import audit
from portal.bulk import (
    SkippedRow,
    among,
    csv_rows,
    execute_many,
    refusal_reason,
    upsert,
    write_batch,
)
from portal.extensions import db
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

BATCH_SIZE = 500
# Preamble lines tolerated before the header row (the weekly file has four).
MAX_PREAMBLE_ROWS = 30


class ImportFailed(Exception):
    """The file as a whole cannot be imported (unreadable, or not a CQC layout)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ImportReport:
    """What an import did."""

    file_name: str
    layout: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_rows: list[SkippedRow] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """How many rows were skipped."""
        return len(self.skipped_rows)

    def summary(self) -> str:
        """One line: "Created N, updated N, unchanged N, skipped N"."""
        return (
            f"Created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, skipped {self.skipped}"
        )


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
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a CQC CSV from a binary or text stream; return the report (commits as it goes)."""
    report = ImportReport(file_name=file_name)
    rows = csv_rows(stream, report.skipped_rows)
    layout, headers = _find_header(rows)
    report.layout = layout.title
    for batch in _batches(rows, layout, headers, report, batch_size):
        _write_batch(batch, report)
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
    header_set = frozenset(headers)
    names, width = list(headers), max(headers.values()) + 1
    pick = itemgetter(*headers.values()) if len(headers) > 1 else (lambda row: (row[width - 1],))
    batch: list[tuple[int, LocationRecord]] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank and trailing rows are not data
        if len(row) >= width:
            cells = dict(zip(names, pick(row), strict=True))
        else:
            cells = {header: (row[i] if i < len(row) else "") for header, i in headers.items()}
        try:
            record = layout.read_row(cells, header_set)
        except RowError as error:
            report.skipped_rows.append(SkippedRow(line, str(error)))
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


def _write_batch(batch: list[tuple[int, LocationRecord]], report: ImportReport) -> None:
    """Write a batch in one transaction; if the database refuses it, retry row by row."""
    skipped: dict[int, str] = {}

    def refused(entry: tuple[int, LocationRecord], error: SQLAlchemyError) -> None:
        skipped[entry[0]] = refusal_reason(error)

    outcomes = write_batch(batch, lambda rows: _apply_batch(rows, skipped), refused)
    report.skipped_rows.extend(SkippedRow(line, reason) for line, reason in sorted(skipped.items()))
    report.created += outcomes["created"]
    report.updated += outcomes["updated"]
    report.unchanged += outcomes["unchanged"]


def _lookup(location_ids: set[str]) -> dict[str, _Location]:
    """The batch's known locations with their ratings and service types: three queries."""
    found: dict[str, _Location] = {}
    for row in db.session.execute(
        sa.select(PROVIDERS.c.id, *(PROVIDERS.c[name] for name in SETTABLE)).where(
            among(PROVIDERS.c.cqc_location_id, sorted(location_ids))
        )
    ).mappings():
        values = {name: row[name] for name in SETTABLE}
        found[row["cqc_location_id"]] = _Location(row["id"], values, set(), {})
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


def _apply_batch(
    batch: Sequence[tuple[int, LocationRecord]], skipped: dict[int, str]
) -> Counter[str]:
    locations = _lookup({record.location_id for _, record in batch})
    before = {
        key: (dict(loc.values), set(loc.service_types), dict(loc.ratings))
        for key, loc in locations.items()
    }
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
    now = utcnow()
    created = [loc for loc in locations.values() if loc.outcome == "created"]
    changed = [
        loc
        for key, loc in locations.items()
        if loc.outcome != "created" and (loc.values, loc.service_types, loc.ratings) != before[key]
    ]
    if created:
        _insert_created(created, now)
    if changed:
        execute_many(
            sa.update(PROVIDERS).where(PROVIDERS.c.id == sa.bindparam("pid")),
            PROVIDERS,
            [dict(loc.values, pid=loc.provider_id, updated_at=now) for loc in changed],
        )
    _write_service_types(created + changed, before, locations)
    _write_ratings(created, changed)
    # The search change log, in this transaction (the ORM's flush hook sees none of this).
    execute_many(
        sa.insert(SEARCH_CHANGES),
        SEARCH_CHANGES,
        [
            {"entity": changes.PROVIDER, "entity_id": loc.provider_id, "changed_at": now}
            for loc in created + changed
        ],
    )
    for loc in changed:
        loc.outcome = "updated"
    return Counter(loc.outcome for loc in locations.values())


def _write_service_types(
    written: list[_Location],
    before: dict[str, tuple[dict[str, Any], set[str], dict[str, Any]]],
    locations: dict[str, _Location],
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
    if removed:
        execute_many(
            sa.delete(SERVICE_TYPES).where(
                SERVICE_TYPES.c.provider_id == sa.bindparam("pid"),
                SERVICE_TYPES.c.service_type == sa.bindparam("code"),
            ),
            SERVICE_TYPES,
            removed,
        )
    execute_many(sa.insert(SERVICE_TYPES), SERVICE_TYPES, added)


def _insert_created(created: list[_Location], now: datetime) -> None:
    """Insert the batch's new locations and learn their ids.

    On PostgreSQL the ids are drawn from the table's sequence first (one query) and the rows
    copied in with them; elsewhere the rows go in with one executemany and the ids are read
    back by location ID in one query (RETURNING would cost a statement per row on SQLite,
    which cannot promise its order).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('providers', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": len(created)},
        ).scalars()
        for loc, pid in zip(created, ids, strict=True):
            loc.provider_id = pid
        execute_many(
            sa.insert(PROVIDERS),
            PROVIDERS,
            [
                dict(loc.values, id=loc.provider_id, created_at=now, updated_at=now)
                for loc in created
            ],
        )
        return
    execute_many(
        sa.insert(PROVIDERS),
        PROVIDERS,
        [dict(loc.values, created_at=now, updated_at=now) for loc in created],
    )
    by_key = {loc.values["cqc_location_id"]: loc for loc in created}
    for pid, key in db.session.execute(
        sa.select(PROVIDERS.c.id, PROVIDERS.c.cqc_location_id).where(
            among(PROVIDERS.c.cqc_location_id, sorted(by_key))
        )
    ):
        by_key[key].provider_id = pid


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


def _write_ratings(created: list[_Location], changed: list[_Location]) -> None:
    """New locations' ratings are plain inserts; changed ones' replace what is there."""
    execute_many(sa.insert(RATINGS), RATINGS, _rating_rows(created))
    upsert(
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
