"""An ECM visit log uploaded on the import page, imported by a worker (portal.jobs).

The page checks the layout and marking chosen, keeps the file with the job and follows the
job; the worker imports it as the uploader's agency with the same importer as
`portal ecm import`, and the page then shows its report. Visits are keyed by supplier and
visit ID, so a job run again after its worker was killed counts no visit twice.
"""

from __future__ import annotations

import io
from typing import Any

from portal.ecm.report import EcmReport
from portal.ecm.services import check_upload, import_upload
from portal.extensions import db
from portal.jobs.services import JobContext, JobFailed, readable_job, runner, start_job
from portal.models import Job, JobState, User
from portal.policy import can_record_monitoring

IMPORT_ECM = "import-ecm"


def start_import(
    user: User, content: bytes, file_name: str, mapping_name: str, marking: str
) -> Job:
    """Queue the import of an uploaded log; ValidationFailed at once for a bad layout or
    marking."""
    name, mapping, checked = check_upload(file_name, mapping_name, marking)
    params = {"file_name": name, "mapping": mapping.name, "marking": checked.value}
    return start_job(user, IMPORT_ECM, f"Importing {name}", params, upload=content)


@runner(IMPORT_ECM)
def run_import(job: Job, context: JobContext) -> dict[str, Any]:
    """Import the job's file as its uploader's agency; the report is the result."""
    user = db.session.get(User, job.user_id)
    if user is None or not can_record_monitoring(user):
        raise JobFailed("You may no longer import care monitoring data.")
    context.progress(f"Reading {job.params['file_name']}")
    report = import_upload(
        user,
        io.BytesIO(job.upload or b""),
        str(job.params["file_name"]),
        str(job.params["mapping"]),
        str(job.params["marking"]),
        progress=context.progress,
    )
    return report.as_json()


def outcome(user: User, job_id: str) -> tuple[EcmReport | None, dict[str, str]]:
    """A finished import job of this user's: its report, or the messages of what stopped it."""
    job = readable_job(user, job_id)
    if job is None or job.kind != IMPORT_ECM or not job.finished:
        return None, {}
    if job.state is JobState.DONE:
        return EcmReport.from_json(job.result or {}), {}
    return None, job.errors or {"file": job.error}
