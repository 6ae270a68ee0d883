"""The job page: what a job started by the signed-in user is doing, then how it ended.

While the job waits or runs, the page refreshes itself every few seconds with a meta refresh
(no JavaScript), so the chair sees "Issuing version 2: laying out pages"; once it is done the
page leads on to the result: the meeting with "Pack version 2 issued", the approved minutes,
or an import's upload page with its report (or what stopped it). A failed pack or minutes job
says here what failed and that nothing was issued. Anyone but the person who started the job
gets 404, as for a job that does not exist (policy.can_read_job).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.ecm.import_jobs import IMPORT_ECM
from portal.jobs.services import readable_job
from portal.meetings.meeting_jobs import APPROVE_MINUTES, ISSUE_PACK
from portal.models import Job, JobState
from portal.policy import Permission, requires
from portal.providers.import_jobs import IMPORT_CQC

bp = Blueprint("jobs", __name__)

#: Seconds between the page's refreshes while the job is unfinished.
REFRESH_SECONDS = 2
#: The page an import's job ends on: its upload page, given the job, shows the report.
IMPORT_PAGES = {IMPORT_CQC: "providers.import_providers", IMPORT_ECM: "ecm.import_log"}
#: What a failed job left undone, in the words of its kind.
UNDONE = {
    ISSUE_PACK: "Nothing was issued.",
    APPROVE_MINUTES: "The minutes were not approved.",
}


def _result_page(job: Job) -> ResponseReturnValue | None:
    """Where a finished job leads on to (with its confirmation), if anywhere."""
    if job.kind in IMPORT_PAGES:
        return redirect(url_for(IMPORT_PAGES[job.kind], job=job.id))
    result = job.result or {}
    if job.state is not JobState.DONE or "meeting_id" not in result:
        return None
    if job.kind == ISSUE_PACK:
        kind = "Correction" if result.get("correction") else "Pack"
        flash(f"{kind} version {result['version']} issued", "success")
        meeting_page = url_for("meetings.view_meeting", meeting_id=result["meeting_id"])
        return redirect(meeting_page + "#packs")
    if job.kind == APPROVE_MINUTES:
        flash("Minutes approved", "success")
        return redirect(url_for("meetings.view_minutes", meeting_id=result["meeting_id"]))
    return None


@bp.route("/jobs/<job_id>")
@requires(Permission.BROWSE)
def view_job(job_id: str) -> ResponseReturnValue:
    """A job's progress (refreshing itself), then its result or what failed."""
    job = readable_job(current_user, job_id)
    if job is None:
        abort(404)
    if job.finished and (onward := _result_page(job)) is not None:
        return onward
    return render_template(
        "jobs/job.html",
        job=job,
        refresh=None if job.finished else REFRESH_SECONDS,
        undone=UNDONE.get(job.kind, ""),
    )
