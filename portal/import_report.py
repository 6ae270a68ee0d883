"""What a file import did, for the CQC and ECM imports alike: the page, the command and the audit.

Counts of records created, updated and left unchanged, and each row skipped with its line
number and reason. Each import words its one-line summary (``SUMMARY``) as DESIGN.md gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from portal.bulk import SkippedRow


@dataclass
class ImportReport:
    """What an import did."""

    file_name: str
    #: The layout the file was read as.
    layout: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    #: Told how far the import has got after each batch (a job's progress), if given.
    progress: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    #: The one line of summary(), formatted with the counts.
    SUMMARY: ClassVar[str] = (
        "Created {created}, updated {updated}, unchanged {unchanged}, skipped {skipped}"
    )

    @property
    def skipped(self) -> int:
        """How many rows were skipped."""
        return len(self.skipped_rows)

    def summary(self) -> str:
        """The counts in one line, e.g. "Created 3, updated 1, unchanged 0, skipped 2"."""
        return self.SUMMARY.format(
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=self.skipped,
        )

    @property
    def nothing_imported(self) -> bool:
        """True when the import created and updated nothing: the page warns, not congratulates."""
        return self.created + self.updated == 0

    def nothing_imported_reason(self) -> str:
        """Why an import that changed nothing did so, in a sentence."""
        if self.unchanged:
            return "Every record in the file was already up to date."
        if self.skipped:
            return "Every row was skipped: correct the rows listed below and import the file again."
        return "The file has no rows below its header."

    def count(self, created: int = 0, updated: int = 0, unchanged: int = 0) -> None:
        """Add a batch's outcomes to the counts."""
        self.created += created
        self.updated += updated
        self.unchanged += unchanged
        if self.progress is not None:
            self.progress(f"Importing {self.file_name}. So far: {self.summary()}")

    def skip(self, line: int, reason: str) -> None:
        """Record a row left out, and why."""
        self.skipped_rows.append(SkippedRow(line, reason))

    def as_json(self) -> dict[str, Any]:
        """The report as a job keeps it (from_json reads it back)."""
        return {
            "file_name": self.file_name,
            "layout": self.layout,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped_rows": [[row.line, row.reason] for row in self.skipped_rows],
            "summary": self.summary(),
        }

    @classmethod
    def json_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The constructor's arguments from as_json()'s answer."""
        return {
            "file_name": str(data.get("file_name", "")),
            "layout": str(data.get("layout", "")),
            "created": int(data.get("created", 0)),
            "updated": int(data.get("updated", 0)),
            "unchanged": int(data.get("unchanged", 0)),
            "skipped_rows": [
                SkippedRow(int(line), str(why)) for line, why in data.get("skipped_rows", [])
            ],
        }
