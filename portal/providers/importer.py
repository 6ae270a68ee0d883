"""Import CQC's published location files: stream, upsert by location ID, report every skip.

The file is read a line at a time through the csv module and written in batches: each batch
looks its locations up in one query, is committed, and is then dropped from the session, so
memory stays flat however long the file is. A row that cannot be read is skipped with its
line number and reason; the rest carry on. Re-importing the same file changes nothing: values
are compared before they are set, so an unchanged location is neither written nor counted as
updated. Counts are of locations (a ratings file has a row per key question).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from portal import audit
from portal.extensions import db
from portal.models import Provider, ProviderRating, ProviderServiceType, User
from portal.providers.layouts import Layout, LocationRecord, RowError, recognise

__all__ = ["ImportFailed", "ImportReport", "SkippedRow", "import_cqc", "import_cqc_file"]

BATCH_SIZE = 500
# Preamble lines tolerated before the header row (the weekly file has four).
MAX_PREAMBLE_ROWS = 30
# A line holding the whole of a runaway quoted field is still one row, within reason.
csv.field_size_limit(10 * 1024 * 1024)


class ImportFailed(Exception):
    """The file as a whole cannot be imported (unreadable, or not a CQC layout)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SkippedRow:
    """A row left out of the import, and why."""

    line: int
    reason: str


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
    rows = _rows(csv.reader(_text_lines(stream)), report)
    layout, headers = _find_header(rows)
    report.layout = layout.title
    header_set = frozenset(headers)
    batch: list[tuple[int, LocationRecord]] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank and trailing rows are not data
        cells = {header: (row[i] if i < len(row) else "") for header, i in headers.items()}
        try:
            record = layout.read_row(cells, header_set)
        except RowError as error:
            report.skipped_rows.append(SkippedRow(line, str(error)))
            continue
        # A batch ends between locations, so a ratings file's rows for one stay together.
        if len(batch) >= batch_size and record.location_id != batch[-1][1].location_id:
            _write_batch(batch, report)
            batch = []
        batch.append((line, record))
    if batch:
        _write_batch(batch, report)
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


def _text_lines(stream: Iterable[Any]) -> Iterator[str]:
    """Lines as text: UTF-8 (byte-order mark dropped), or Windows-1252 for a line that is not."""
    first = True
    for raw in stream:
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                # Excel's "CSV" save writes Windows-1252; its curly apostrophes still read.
                line = raw.decode("cp1252", errors="replace")
        else:
            line = raw
        if first:
            line = line.removeprefix("\ufeff")
            first = False
        yield line


def _rows(reader: Any, report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """(first physical line of the row, cells), skipping rows the csv module cannot read."""
    previous_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report.skipped_rows.append(SkippedRow(previous_end + 1, f"unreadable row ({error})"))
            if reader.line_num == previous_end:
                return
            previous_end = reader.line_num
            continue
        # line_num counts physical lines read so far, so a quoted line break is counted.
        start, previous_end = previous_end + 1, reader.line_num
        yield start, row


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


# --- writing ---------------------------------------------------------------------------------


def _write_batch(batch: list[tuple[int, LocationRecord]], report: ImportReport) -> None:
    """Apply a batch in one transaction; if the database refuses it, retry row by row."""
    try:
        outcomes = _apply_batch(batch, report)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        outcomes = {}
        for line, record in batch:
            try:
                outcomes.update(_apply_batch([(line, record)], report))
                db.session.commit()
            except SQLAlchemyError as error:
                db.session.rollback()
                # Only a DBAPIError carries the driver's own error as .orig.
                cause = getattr(error, "orig", None) or error
                reason = f"could not be saved ({type(cause).__name__})"
                report.skipped_rows.append(SkippedRow(line, reason))
    finally:
        # Nothing from this batch stays in memory (the signed-in user, say, does).
        for instance in list(db.session):
            if isinstance(instance, Provider | ProviderRating | ProviderServiceType):
                db.session.expunge(instance)
    for outcome in outcomes.values():
        setattr(report, outcome, getattr(report, outcome) + 1)


def _apply_batch(batch: list[tuple[int, LocationRecord]], report: ImportReport) -> dict[str, str]:
    ids = {record.location_id for _, record in batch}
    # Ratings and service types come with them (selectin): three queries per batch.
    providers = {
        p.cqc_location_id: p
        for p in db.session.scalars(sa.select(Provider).where(Provider.cqc_location_id.in_(ids)))
    }
    outcomes: dict[str, str] = {}
    for line, record in batch:
        provider = providers.get(record.location_id)
        if provider is None:
            if "name" not in record.fields:
                report.skipped_rows.append(
                    SkippedRow(line, "missing Location Name (needed to add a new location)")
                )
                continue
            provider = Provider(cqc_location_id=record.location_id, address="")
            db.session.add(provider)
            providers[record.location_id] = provider
            outcomes[record.location_id] = "created"
            apply_record(provider, record, creating=True)
        elif apply_record(provider, record, creating=False):
            if outcomes.get(record.location_id) != "created":
                outcomes[record.location_id] = "updated"
        else:
            outcomes.setdefault(record.location_id, "unchanged")
    db.session.flush()
    return outcomes


def apply_record(provider: Provider, record: LocationRecord, *, creating: bool) -> bool:
    """Set what the record says on the provider; return whether anything changed."""
    changed = False
    if creating or not record.fields_on_create_only:
        for name, value in record.fields.items():
            if name == "address" and value is None:
                value = ""
            if getattr(provider, name) != value:
                setattr(provider, name, value)
                changed = True
    if record.service_types is not None:
        current = {st.service_type for st in provider.service_types}
        wanted = (current - record.managed_service_types) | record.service_types
        if wanted != current:
            kept = [st for st in provider.service_types if st.service_type in wanted]
            added = [ProviderServiceType(service_type=code) for code in sorted(wanted - current)]
            provider.service_types = kept + added
            changed = True
    for domain, (rating, published_on) in record.ratings.items():
        existing = provider.rating_for(domain)
        if existing is None:
            provider.ratings.append(
                ProviderRating(domain=domain, rating=rating, published_on=published_on)
            )
            changed = True
        elif (existing.rating, existing.published_on) != (rating, published_on):
            # An older file never takes a newer rating back.
            if existing.published_on and published_on and published_on < existing.published_on:
                continue
            existing.rating, existing.published_on = rating, published_on
            changed = True
    return changed
