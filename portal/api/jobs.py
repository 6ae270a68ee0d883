"""/api/v1/jobs/ID: a job the caller started, its state and, once done, its result."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.api.auth import api_requires, not_found
from portal.api.blueprint import bp
from portal.jobs.services import readable_job
from portal.models import Job, JobState
from portal.policy import Permission


def pack_answer(result: dict[str, Any]) -> dict[str, Any]:
    """An issue job's result as POST /meetings/ID/packs answers it (201)."""
    return {
        "version": result["version"],
        "sha256": result["sha256"],
        "pdf_url": url_for(
            "api.meeting_pack_pdf", meeting_id=result["meeting_id"], version=result["version"]
        ),
    }


def job_json(job: Job) -> dict[str, Any]:
    """A job as the API gives it: `result` once done, `error` (and `errors`) once failed."""
    result: dict[str, Any] | None = None
    if job.state is JobState.DONE:
        result = pack_answer(job.result or {}) if job.kind == "issue-pack" else job.result
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state.value,
        "progress": job.progress if not job.finished else "",
        "result": result,
        "error": job.error or None,
        "errors": job.errors or None,
    }


def accepted(job: Job) -> ResponseReturnValue:
    """202: the job is under way; its Location answers how it stands."""
    response = jsonify(job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.job_status", job_id=job.id)
    return response


@bp.route("/jobs/<job_id>")
@api_requires(Permission.BROWSE)
def job_status(job_id: str) -> ResponseReturnValue:
    """A job the caller started: {"state", "result", ...}; 404 for anyone else's."""
    job = readable_job(current_user, job_id)
    if job is None:
        return not_found()
    return jsonify(job_json(job))
