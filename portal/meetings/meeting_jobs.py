"""Issuing a pack and approving the minutes, as jobs: pages and the API start them, a worker
runs them (portal.jobs), and the chair watches the job's page.

What the chair asked for is checked when the job starts (a missing reason, minutes not yet
approvable: refused at once, as before) and again when it runs. A version is keyed by the job
that issues it (MeetingPack.job_id, unique) and written with its SHA-256 in the job's last
transaction, so a job run again after its worker was killed finds its version and issues
none.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs.services import JobContext, JobFailed, runner, start_job
from portal.meetings import minutes, packs, services
from portal.models import Job, Meeting, MeetingPack, User

ISSUE_PACK = "issue-pack"
APPROVE_MINUTES = "approve-minutes"
NOTHING_ISSUED = "Nothing was issued."


def start_issue(
    user: User, meeting: Meeting, today: date, *, appendix: bool, reason: str, via: str
) -> Job:
    """Queue the next version of the meeting's pack; ValidationFailed at once for a request
    the job would refuse (a correction without its reason, minutes approved)."""
    packs.checked_reason(meeting, today, reason)
    kind = "a correction" if packs.correction_needed(meeting, today) else "the pack"
    title = f"Issuing {kind}, version {packs.next_version(meeting)}: {meeting.title}"
    params = {
        "meeting_id": meeting.id,
        "today": today.isoformat(),
        "appendix": appendix,
        "reason": reason,
        "via": via,
    }
    return start_job(user, ISSUE_PACK, title, params, subject=f"meeting:{meeting.id}")


def _meeting(job: Job) -> tuple[User, Meeting]:
    user = db.session.get(User, job.user_id)
    meeting = services.runnable_meeting(user, int(job.params["meeting_id"])) if user else None
    if user is None or meeting is None:
        raise JobFailed("You may no longer run this meeting.")
    return user, meeting


def pack_result(pack: MeetingPack) -> dict[str, Any]:
    """What an issue job answers: the meeting, the version and its SHA-256."""
    return {
        "meeting_id": pack.meeting_id,
        "version": pack.version,
        "sha256": pack.pdf_sha256,
        "correction": bool(pack.correction_reason),
    }


@runner(ISSUE_PACK)
def run_issue(job: Job, context: JobContext) -> dict[str, Any]:
    """Issue the version (once: a version this job issued already is its answer)."""
    issued = db.session.scalar(sa.select(MeetingPack).where(MeetingPack.job_id == job.id))
    if issued is not None:
        return pack_result(issued)
    user, meeting = _meeting(job)
    try:
        pack = packs.issue_pack(
            user,
            meeting,
            date.fromisoformat(job.params["today"]),
            via=str(job.params.get("via", "web")),
            appendix=bool(job.params.get("appendix")),
            correction_reason=str(job.params.get("reason", "")),
            job_id=job.id,
            progress=context.progress,
        )
    except sa.exc.IntegrityError:
        # The same version number, written by another job in the same moment.
        raise JobFailed("Another version was issued at the same moment.") from None
    return pack_result(pack)


def start_approval(user: User, meeting: Meeting, today: date) -> Job:
    """Queue the approval of the minutes and the making of their PDF; refused at once before
    the meeting's day (ValidationFailed) or once approved (MeetingLocked)."""
    services.ensure_minutes_may_be_approved(meeting, today)
    params = {"meeting_id": meeting.id, "today": today.isoformat()}
    title = f"Approving the minutes: {meeting.title}"
    return start_job(user, APPROVE_MINUTES, title, params, subject=f"minutes:{meeting.id}")


@runner(APPROVE_MINUTES)
def run_approval(job: Job, context: JobContext) -> dict[str, Any]:
    """Approve the minutes and store their PDF, in the job's one transaction."""
    user, meeting = _meeting(job)
    context.progress("Laying out the minutes' pages")
    try:
        minutes.approve(user, meeting, date.fromisoformat(job.params["today"]))
    except services.MeetingLocked as locked:
        raise JobFailed(str(locked)) from None
    return {"meeting_id": meeting.id, "sha256": meeting.minutes_sha256}
