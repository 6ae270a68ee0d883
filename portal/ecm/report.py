"""What an ECM import did: written by portal.ecm.importer, its alerts added by portal.ecm.alerts."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.bulk import SkippedRow

__all__ = ["EcmReport"]


@dataclass
class EcmReport:
    """What an import did."""

    file_name: str
    mapping: str
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    # (provider id, month) pairs this import wrote: where thresholds are checked.
    touched: set[tuple[int, str]] = field(default_factory=set)
    alert_item_ids: list[int] = field(default_factory=list)
    alert_note: str = ""

    @property
    def skipped(self) -> int:
        """How many rows were skipped."""
        return len(self.skipped_rows)

    def summary(self) -> str:
        """One line: "Imported N, updated N, skipped N" (DESIGN.md's contract)."""
        return f"Imported {self.imported}, updated {self.updated}, skipped {self.skipped}"
