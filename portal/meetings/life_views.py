"""A meeting's life, as pages: issuing a pack and approving the minutes, each after a page
that says what will happen (GOV.UK's "check your answers" pattern). Both run as jobs
(portal.meetings.meeting_jobs): the button leads to the job's page, which shows its progress
and then the result.

The rules are the services': a pack issued once the meeting is held is a correction and
needs a reason (portal.meetings.packs), the minutes are approved on or after the meeting's
day and only once (portal.meetings.services); a POST that skips the confirmation page meets
the same refusals. Imported by portal.meetings.views for its routes.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.meetings import meeting_jobs, services
from portal.meetings.blueprint import bp
from portal.meetings.confirmations import approval_check, issue_check
from portal.meetings.forms import IssuePackForm, PlainForm
from portal.models import Meeting
from portal.policy import Permission, requires
from portal.unit_of_work import ValidationFailed

#: A refused confirmation page answers 400 with its messages (as refused input does).
REFUSED = 400


def _runnable(meeting_id: int) -> Meeting:
    meeting = services.runnable_meeting(current_user, meeting_id)
    if meeting is None:
        abort(services.refusal_to_run(current_user, meeting_id))
    return meeting


def _issue_page(
    meeting: Meeting, form: IssuePackForm, refused: dict[str, str] | None = None
) -> ResponseReturnValue:
    refused = refused or {}
    form.show_errors(refused)
    page = render_template(
        "meetings/issue_pack.html",
        check=issue_check(meeting, clock.today()),
        form=form,
        other_errors=[m for key, m in refused.items() if form.field_for_error(key) is None],
    )
    return (page, REFUSED) if form.errors or refused else page


@bp.route("/<int:meeting_id>/packs/new")
@requires(Permission.CHAIR_MEETINGS)
def confirm_issue_pack(meeting_id: int) -> ResponseReturnValue:
    """Check the next version before issuing it: audience, contents, what is left out."""
    return _issue_page(_runnable(meeting_id), IssuePackForm())


@bp.route("/<int:meeting_id>/packs", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def issue_pack(meeting_id: int) -> ResponseReturnValue:
    """Issue the next version from the confirmation page: its PDF and HTML are frozen."""
    meeting = _runnable(meeting_id)
    form = IssuePackForm()
    if not form.validate_on_submit():
        return _issue_page(meeting, form)
    try:
        job = meeting_jobs.start_issue(
            current_user,
            meeting,
            clock.today(),
            appendix=bool(form.appendix.data),
            reason=form.reason.data or "",
            via="web",
        )
    except ValidationFailed as refused:
        return _issue_page(meeting, form, refused.errors)
    return redirect(url_for("jobs.view_job", job_id=job.id))


def _approval_page(meeting: Meeting, refused: dict[str, str] | None = None) -> ResponseReturnValue:
    page = render_template(
        "meetings/approve_minutes.html",
        check=approval_check(current_user, meeting, clock.today()),
        form=PlainForm(),
        other_errors=list((refused or {}).values()),
    )
    return (page, REFUSED) if refused else page


@bp.route("/<int:meeting_id>/minutes/approve")
@requires(Permission.CHAIR_MEETINGS)
def confirm_minutes_approval(meeting_id: int) -> ResponseReturnValue:
    """What approving the minutes makes permanent, or from when they can be approved."""
    return _approval_page(_runnable(meeting_id))


@bp.route("/<int:meeting_id>/minutes/approve", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def approve_minutes(meeting_id: int) -> ResponseReturnValue:
    """Approve the minutes, on or after the meeting's day: from then on they are read-only
    and downloadable as PDF."""
    meeting = _runnable(meeting_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        job = meeting_jobs.start_approval(current_user, meeting, clock.today())
    except services.MeetingLocked as locked:
        flash(str(locked))
        return redirect(url_for(".view_minutes", meeting_id=meeting.id))
    except ValidationFailed as refused:
        return _approval_page(meeting, refused.errors)
    return redirect(url_for("jobs.view_job", job_id=job.id))
