"""A CQC locations file uploaded on /providers/import, imported by a worker (portal.jobs).

The page keeps the file with the job and follows the job; the worker imports it with the
same importer as `portal providers import-cqc`, and the page then shows its report. Locations
are keyed by their CQC location ID, so a job run again after its worker was killed counts no
location twice (what the lost run wrote counts as unchanged).
"""

from __future__ import annotations

import io
from typing import Any

from portal.extensions import db
from portal.import_report import ImportReport
from portal.jobs.services import JobContext, JobFailed, readable_job, runner, start_job
from portal.models import Job, JobState, User
from portal.policy import can_import_providers
from portal.providers.importer import ImportFailed, import_cqc

IMPORT_CQC = "import-cqc"


def start_import(user: User, content: bytes, file_name: str) -> Job:
    """Queue the import of an uploaded CQC file."""
    name = "".join(c for c in file_name if c.isprintable())[:200] or "upload.csv"
    return start_job(user, IMPORT_CQC, f"Importing {name}", {"file_name": name}, upload=content)


@runner(IMPORT_CQC)
def run_import(job: Job, context: JobContext) -> dict[str, Any]:
    """Import the job's file; the report is the result."""
    user = db.session.get(User, job.user_id)
    if user is None or not can_import_providers(user):
        raise JobFailed("You may no longer import providers.")
    name = str(job.params["file_name"])
    context.progress(f"Reading {name}")
    try:
        report = import_cqc(
            io.BytesIO(job.upload or b""), name, user=user, progress=context.progress
        )
    except ImportFailed as failed:
        raise JobFailed(failed.message) from None
    return report.as_json()


def outcome(user: User, job_id: str) -> tuple[ImportReport | None, str]:
    """A finished import job of this user's: its report, or what stopped it."""
    job = readable_job(user, job_id)
    if job is None or job.kind != IMPORT_CQC or not job.finished:
        return None, ""
    if job.state is JobState.DONE:
        return ImportReport(**ImportReport.json_fields(job.result or {})), ""
    return None, job.error
