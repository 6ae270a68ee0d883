"""The job page: what a job started by the signed-in user is doing, then how it ended.

While the job waits or runs, the page refreshes itself every few seconds with a meta refresh
(no JavaScript), so the chair sees "Issuing version 2: laying out pages" and then the result.
An import's job ends on its upload page with its report (or what stopped it). Anyone but the
person who started the job gets 404, as for a job that does not exist (policy.can_read_job).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.jobs.services import readable_job
from portal.policy import Permission, requires

bp = Blueprint("jobs", __name__)

#: Seconds between the page's refreshes while the job is unfinished.
REFRESH_SECONDS = 2
#: The page an import's job ends on: its upload page, given the job, shows the report.
ENDS_ON = {"import-cqc": "providers.import_providers", "import-ecm": "ecm.import_log"}
#: What a failed job left undone, in the words of its kind.
UNDONE = {
    "issue-pack": "Nothing was issued.",
    "approve-minutes": "The minutes were not approved.",
}


@bp.route("/jobs/<job_id>")
@requires(Permission.BROWSE)
def view_job(job_id: str) -> ResponseReturnValue:
    """A job's progress (refreshing itself), then its result or what failed."""
    job = readable_job(current_user, job_id)
    if job is None:
        abort(404)
    if job.finished and job.kind in ENDS_ON:
        return redirect(url_for(ENDS_ON[job.kind], job=job.id))
    return render_template(
        "jobs/job.html",
        job=job,
        refresh=None if job.finished else REFRESH_SECONDS,
        undone=UNDONE.get(job.kind, ""),
    )
