"""Import an electronic care monitoring (ECM) visit log, streamed and batched (portal.bulk).

Each row is one planned home-care visit: the provider, the supplier's visit ID, the planned
start and duration, and when the carer actually started and finished (both empty: the visit
was missed). A visit is keyed by supplier and visit ID, so importing the same file, or an
overlapping one, updates visits and never counts one twice. A row that cannot be read is
skipped with its line number and reason; the rest carry on. The imported visits carry the
marking given at import and the importing agency, and are read through the policy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from portal import audit
from portal.bulk import (
    among,
    batched,
    collector_paused,
    csv_rows,
    refusal_reason,
    upsert,
    write_batch,
    young_collected,
)
from portal.ecm.alerts import raise_alerts
from portal.ecm.mappings import BadValue, Mapping
from portal.ecm.report import EcmReport
from portal.extensions import db
from portal.inputs import NUL_MESSAGE
from portal.models import Agency, CareVisit, Marking, Provider, User, utcnow

__all__ = ["EcmImportFailed", "EcmReport", "import_ecm", "import_ecm_file"]

BATCH_SIZE = 5_000
MAX_PREAMBLE_ROWS = 10
MAX_VISIT_MINUTES = 24 * 60
MAX_CACHED_PROVIDERS = 100_000
# The columns an import sets: compared to tell an update from an unchanged visit.
COMPARED = (
    "provider_id",
    "planned_start",
    "planned_minutes",
    "actual_start",
    "actual_end",
    "source_agency_id",
    "marking",
)
#: A field's name in a row's message.
FIELD_WORDS = {
    "visit_id": "visit ID",
    "cqc_location_id": "CQC location ID",
    "provider_id": "provider ID",
    "planned_start": "planned start",
    "planned_minutes": "planned minutes",
    "planned_end": "planned end",
    "actual_start": "actual start",
    "actual_end": "actual end",
}
UPDATED_COLUMNS = (
    *COMPARED,
    "month",
    "start_delay_seconds",
    "actual_seconds",
    "imported_at",
)


class EcmImportFailed(Exception):
    """The file as a whole cannot be imported (missing, empty, or not in the mapping's layout)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class VisitRow:
    """One readable row: a visit ready to look its provider up and be written."""

    line: int
    visit_ref: str
    provider_key: str | int
    planned_start: datetime
    planned_minutes: int
    actual_start: datetime | None
    actual_end: datetime | None


def import_ecm_file(
    path: str | Path,
    mapping: Mapping,
    agency: Agency,
    marking: Marking = Marking.AMBER,
    *,
    user: User | None = None,
) -> EcmReport:
    """Import an ECM log from disk; EcmImportFailed if it is missing or unreadable."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise EcmImportFailed(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise EcmImportFailed(f"{path} is a folder, not a CSV file.") from None
    except OSError as exc:
        raise EcmImportFailed(f"{path} cannot be read: {exc.strerror or exc}.") from None
    with handle:
        return import_ecm(handle, path.name, mapping, agency, marking, user=user)


def import_ecm(
    stream: IO[bytes] | IO[str] | Iterable[Any],
    file_name: str,
    mapping: Mapping,
    agency: Agency,
    marking: Marking = Marking.AMBER,
    *,
    user: User | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str], None] | None = None,
) -> EcmReport:
    """Import an ECM log from a stream; return the report (commits batch by batch).
    `progress` is told the counts after each batch."""
    report = EcmReport(file_name=file_name, mapping=mapping.name, progress=progress)
    rows = csv_rows(stream, report.skipped_rows)
    indexes = _find_header(rows, mapping)
    writer = _BatchWriter(mapping, agency.id, Marking(marking), report)
    with collector_paused():
        for batch in young_collected(batched(_visits(rows, indexes, mapping, report), batch_size)):
            writer.write(batch)
    raise_alerts(report, agency, Marking(marking), user)
    audit.record(
        "care-monitoring-imported",
        user=user,
        object_type="care-monitoring",
        imported=report.imported,
        updated=report.updated,
        unchanged=report.unchanged,
        skipped=report.skipped,
        file=file_name[:200],
        mapping=mapping.name,
        marking=str(marking),
        agency=agency.code,
    )
    db.session.commit()
    return report


# --- reading ---------------------------------------------------------------------------------


def _find_header(rows: Iterable[tuple[int, list[str]]], mapping: Mapping) -> dict[str, int]:
    """Field -> column index, from the first row that has the mapping's headers."""
    seen = 0
    for _line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        positions: dict[str, int] = {}
        for index, cell in enumerate(row):
            positions.setdefault(cell.strip(), index)
        if all(header in positions for header in mapping.headers):
            return {name: positions[header] for name, header in mapping.columns.items()}
        seen += 1
        if seen >= MAX_PREAMBLE_ROWS:
            break
    if seen == 0:
        raise EcmImportFailed("The file is empty.")
    raise EcmImportFailed(
        f"The file has no header row of the “{mapping.name}” layout: it needs the columns "
        + ", ".join(mapping.headers)
        + " (in any order)."
    )


def _visits(
    rows: Iterable[tuple[int, list[str]]],
    indexes: dict[str, int],
    mapping: Mapping,
    report: EcmReport,
) -> Iterable[VisitRow]:
    width = max(indexes.values()) + 1
    for line, row in rows:
        if not any(row):
            continue  # blank and trailing rows are not data
        if len(row) < width:
            row = row + [""] * (width - len(row))
        try:
            yield _read_row(line, {name: row[i] for name, i in indexes.items()}, mapping)
        except BadValue as error:
            report.skip(line, str(error))


def _refuse_nul(cells: dict[str, str]) -> None:
    """BadValue for a cell holding a NUL character: PostgreSQL cannot store one in text and
    SQLite would, so the row is refused here, alike on both."""
    for name, text in cells.items():
        if "\x00" in text:
            words = FIELD_WORDS.get(name, name.replace("_", " "))
            raise BadValue(f"the {words} {NUL_MESSAGE}")


def _read_row(line: int, cells: dict[str, str], mapping: Mapping) -> VisitRow:
    _refuse_nul(cells)
    visit_ref = cells["visit_id"].strip()
    if not visit_ref:
        raise BadValue("the visit ID is empty")
    if len(visit_ref) > 100:
        raise BadValue("the visit ID is longer than 100 characters")
    provider_key: str | int = cells[mapping.provider_field].strip()
    if not provider_key:
        raise BadValue("the provider is empty")
    if mapping.provider_field == "provider_id":
        if not str(provider_key).isdigit() or not 0 < int(provider_key) < 2**31:
            raise BadValue(f"“{str(provider_key)[:40]}” is not a provider ID")
        provider_key = int(provider_key)
    if not cells["planned_start"].strip():
        raise BadValue("the planned start is empty")
    planned_start = mapping.parse_time(cells["planned_start"])
    planned_minutes = _planned_minutes(cells, planned_start, mapping)
    started, ended = cells["actual_start"].strip(), cells["actual_end"].strip()
    if bool(started) != bool(ended):
        raise BadValue(
            "the actual start is given without the actual end"
            if started
            else "the actual end is given without the actual start"
        )
    actual_start = mapping.parse_time(started) if started else None
    actual_end = mapping.parse_time(ended) if ended else None
    if actual_start and actual_end and actual_end < actual_start:
        raise BadValue("the actual end is before the actual start")
    return VisitRow(
        line, visit_ref, provider_key, planned_start, planned_minutes, actual_start, actual_end
    )


def _planned_minutes(cells: dict[str, str], planned_start: datetime, mapping: Mapping) -> int:
    if "planned_minutes" in mapping.columns:
        text = cells["planned_minutes"].strip()
        if not text.isdigit():
            raise BadValue(f"the planned minutes “{text[:40]}” are not a whole number")
        minutes = int(text)
    else:
        if not cells["planned_end"].strip():
            raise BadValue("the planned end is empty")
        seconds = (mapping.parse_time(cells["planned_end"]) - planned_start).total_seconds()
        minutes = round(seconds / 60)
    if not 0 < minutes <= MAX_VISIT_MINUTES:
        raise BadValue(f"a planned visit of {minutes} minutes is not between 1 and 1,440")
    return minutes


# --- writing ---------------------------------------------------------------------------------


class _BatchWriter:
    """Writes batches of visits: lookups per batch, one upsert per batch, never per row."""

    def __init__(self, mapping: Mapping, agency_id: int, marking: Marking, report: EcmReport):
        self.mapping = mapping
        self.agency_id = agency_id
        self.marking = marking
        self.report = report
        # Provider key -> id; bounded by the number of providers, not by the file.
        self.providers: dict[str | int, int | None] = {}

    def write(self, batch: Sequence[VisitRow]) -> None:
        batch = self._resolved(self._deduplicated(batch))
        outcomes = write_batch(batch, self._apply, self._refused)
        self.report.count(outcomes["imported"], outcomes["updated"], outcomes["unchanged"])

    def _deduplicated(self, batch: Sequence[VisitRow]) -> list[VisitRow]:
        """A visit given twice in a batch: the later row is used (as across batches)."""
        latest: dict[str, VisitRow] = {}
        for row in batch:
            earlier = latest.pop(row.visit_ref, None)
            if earlier is not None:
                self.report.skip(
                    earlier.line,
                    f"visit {row.visit_ref[:40]} is given again on line {row.line}, "
                    "which is used instead",
                )
            latest[row.visit_ref] = row
        return list(latest.values())

    def _resolved(self, batch: list[VisitRow]) -> list[VisitRow]:
        """Look the batch's unknown providers up in one query; skip rows naming none."""
        wanted = {row.provider_key for row in batch} - self.providers.keys()
        if len(self.providers) > MAX_CACHED_PROVIDERS:
            self.providers.clear()  # a file naming endless unknown providers stays flat too
            wanted = {row.provider_key for row in batch}
        if wanted:
            column: Any = (
                Provider.id
                if self.mapping.provider_field == "provider_id"
                else Provider.cqc_location_id
            )
            found: dict[Any, int] = dict(
                db.session.execute(
                    sa.select(column, Provider.id).where(among(column, sorted(wanted)))
                ).all()
            )
            for key in wanted:
                self.providers[key] = found.get(key)
        kept = []
        for row in batch:
            if self.providers[row.provider_key] is None:
                kind = (
                    "provider ID"
                    if self.mapping.provider_field == "provider_id"
                    else "CQC location ID"
                )
                self.report.skip(row.line, f"no provider with {kind} {str(row.provider_key)[:40]}")
            else:
                kept.append(row)
        return kept

    def _values(self, row: VisitRow, now: datetime) -> dict[str, Any]:
        delay = actual = None
        if row.actual_start is not None and row.actual_end is not None:
            delay = int((row.actual_start - row.planned_start).total_seconds())
            actual = int((row.actual_end - row.actual_start).total_seconds())
        return {
            "supplier": self.mapping.supplier,
            "visit_ref": row.visit_ref,
            "provider_id": self.providers[row.provider_key],
            "month": f"{row.planned_start.year:04d}-{row.planned_start.month:02d}",
            "planned_start": row.planned_start,
            "planned_minutes": row.planned_minutes,
            "actual_start": row.actual_start,
            "actual_end": row.actual_end,
            "start_delay_seconds": delay,
            "actual_seconds": actual,
            "source_agency_id": self.agency_id,
            "marking": self.marking,
            "imported_at": now,
        }

    def _apply(self, batch: Sequence[VisitRow]) -> Counter[str]:
        table = cast(sa.Table, CareVisit.__table__)
        refs = [row.visit_ref for row in batch]
        existing = {
            found.visit_ref: found
            for found in db.session.execute(
                sa.select(table.c.visit_ref, *(table.c[name] for name in COMPARED)).where(
                    table.c.supplier == self.mapping.supplier, among(table.c.visit_ref, refs)
                )
            )
        }
        now = utcnow()
        outcomes: Counter[str] = Counter()
        written: list[dict[str, Any]] = []
        for row in batch:
            values = self._values(row, now)
            before = existing.get(row.visit_ref)
            if before is None:
                outcomes["imported"] += 1
            elif tuple(getattr(before, name) for name in COMPARED) == tuple(
                values[name] for name in COMPARED
            ):
                outcomes["unchanged"] += 1
                continue
            else:
                outcomes["updated"] += 1
                self.report.touched.add(
                    (before.provider_id, before.planned_start.strftime("%Y-%m"))
                )
            written.append(values)
        upsert(table, written, key=("supplier", "visit_ref"), update=UPDATED_COLUMNS)
        self.report.touched.update((v["provider_id"], v["month"]) for v in written)
        return outcomes

    def _refused(self, row: VisitRow, error: SQLAlchemyError) -> None:
        self.report.skip(row.line, refusal_reason(error))
