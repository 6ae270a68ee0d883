"""What an ECM import did: written by portal.ecm.importer, its alerts added by portal.ecm.alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from portal.import_report import ImportReport

__all__ = ["EcmReport"]


@dataclass(kw_only=True)
class EcmReport(ImportReport):
    """What an ECM import did: the shared report, and the threshold alerts it raised."""

    mapping: str
    # (provider id, month) pairs this import wrote: where thresholds are checked.
    touched: set[tuple[int, str]] = field(default_factory=set)
    alert_item_ids: list[int] = field(default_factory=list)
    alert_note: str = ""

    #: DESIGN.md's contract: "Imported N, updated N, skipped N".
    SUMMARY: ClassVar[str] = "Imported {created}, updated {updated}, skipped {skipped}"

    @property
    def imported(self) -> int:
        """How many visits were new."""
        return self.created

    def as_json(self) -> dict[str, Any]:
        """The report as a job keeps it, with its layout and alerts."""
        return super().as_json() | {
            "mapping": self.mapping,
            "alert_item_ids": list(self.alert_item_ids),
            "alert_note": self.alert_note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EcmReport:
        """The report a job kept (as_json)."""
        return cls(
            **cls.json_fields(data),
            mapping=str(data.get("mapping", "")),
            alert_item_ids=[int(i) for i in data.get("alert_item_ids", [])],
            alert_note=str(data.get("alert_note", "")),
        )
