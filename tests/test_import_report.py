"""The one import report: the CQC and ECM imports count and skip rows the same way."""

from __future__ import annotations

from portal.ecm.importer import EcmReport
from portal.import_report import ImportReport


def test_a_cqc_report_counts_batches_and_lists_each_skipped_row():
    report = ImportReport(file_name="locations.csv")
    report.count(created=2, updated=1)
    report.count(created=1, unchanged=4)
    report.skip(7, "missing Location ID")

    assert (report.created, report.updated, report.unchanged, report.skipped) == (3, 1, 4, 1)
    assert report.summary() == "Created 3, updated 1, unchanged 4, skipped 1"
    assert [(row.line, row.reason) for row in report.skipped_rows] == [(7, "missing Location ID")]


def test_an_ecm_report_says_imported_and_leaves_unchanged_out_of_its_summary():
    report = EcmReport(file_name="visits.csv", mapping="portal")
    report.count(created=5, updated=1, unchanged=2)
    report.skip(3, "no provider with provider ID 99")

    assert report.imported == 5
    assert report.summary() == "Imported 5, updated 1, skipped 1"
