"""/api/v1/meetings: list, read, create, issue a pack, download an issued pack (DESIGN.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.api.auth import api_requires, json_error, not_found
from portal.api.blueprint import bp
from portal.api.jobs import accepted, pack_answer
from portal.inputs import read_json_object
from portal.intelligence.validation import parse_date
from portal.jobs.services import commit_and_wait
from portal.meetings import meeting_jobs, packs, services
from portal.models import JobState, Meeting
from portal.policy import Permission
from portal.unit_of_work import ValidationFailed

FIELDS = ("held_on", "title", "location", "agencies")


def meeting_json(meeting: Meeting, *, detail: bool = False) -> dict[str, Any]:
    """A meeting as the API gives it; one meeting also has its agenda and packs."""
    answer: dict[str, Any] = {
        "id": meeting.id,
        "held_on": meeting.held_on.isoformat(),
        "title": meeting.title,
        "location": meeting.location,
        "status": meeting.stage_on(clock.today()).value,
        "chair": meeting.chair.name,
        "agencies": sorted(a.code for a in meeting.agencies),
        "packs": [
            {
                "version": p.version,
                "sha256": p.pdf_sha256,
                "issued_at": services.when(p.issued_at),
            }
            for p in meeting.packs
        ],
    }
    if detail:
        plan = services.current_agenda(meeting, clock.today())
        answer["agenda"] = [
            {"provider_id": e.provider_id, "reason": e.reason} for e in plan.entries
        ]
        answer["also_qualified"] = [
            {"provider_id": e.provider_id, "name": e.name, "reason": e.reason}
            for e in plan.also_qualified
        ]
        answer["noting"] = [
            {"provider_id": n.provider_id, "name": n.name, "new_items": n.new_items}
            for n in plan.noting
        ]
    return answer


@bp.route("/meetings")
@api_requires(Permission.BROWSE)
def meetings_list() -> ResponseReturnValue:
    """The meetings the caller may read (members and chairs of invited agencies)."""
    return jsonify({"items": [meeting_json(m) for m in services.readable_meetings(current_user)]})


@bp.route("/meetings/<int:meeting_id>")
@api_requires(Permission.BROWSE)
def meeting_detail(meeting_id: int) -> ResponseReturnValue:
    """One meeting with its agenda (in order) and its issued packs; 404 if unreadable."""
    meeting = services.readable_meeting(current_user, meeting_id)
    if meeting is None:
        return not_found()
    return jsonify(meeting_json(meeting, detail=True))


def _agency_codes(value: Any, errors: dict[str, str]) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
        errors["agencies"] = "Give agencies as a list of agency codes, at least one"
        return []
    return [c.strip().upper() for c in value[:100]]


@bp.route("/meetings", methods=["POST"])
@api_requires(Permission.CHAIR_MEETINGS)
def create_meeting() -> ResponseReturnValue:
    """Create a planned meeting: 201 and the meeting, or 422 with a message per field."""
    data = read_json_object(request.get_data(cache=False), request.is_json)
    errors: dict[str, str] = {}
    held_on: date | None = None
    if data.get("held_on") is None:
        errors["held_on"] = "held_on is required: the date of the meeting, YYYY-MM-DD"
    elif isinstance(data["held_on"], str):
        held_on = parse_date(data["held_on"], "held_on", "held_on", errors)
    else:
        errors["held_on"] = "held_on must be a date in the format YYYY-MM-DD"
    codes = _agency_codes(data.get("agencies"), errors)
    for key in ("title", "location"):
        if key in data and not isinstance(data[key], str):
            errors[key] = f"{key} must be text"
    details: services.NewMeeting | None = None
    try:
        details = services.meeting_details(
            held_on, data.get("title"), data.get("location", ""), codes
        )
    except ValidationFailed as refused:
        errors = refused.errors | errors  # a message about the JSON's shape stands
    for key in sorted(set(data) - set(FIELDS))[:10]:
        errors[key[:50]] = "Unknown field"
    if details is None or errors:
        raise ValidationFailed(errors)
    meeting = services.create_meeting(current_user, details, via="api")
    response = jsonify(meeting_json(meeting, detail=True))
    response.status_code = 201
    response.headers["Location"] = url_for("api.meeting_detail", meeting_id=meeting.id)
    return response


def _issue_options(body: bytes, is_json: bool) -> tuple[bool, str]:
    """`appendix` and `reason` from an optional JSON body (none is needed before the meeting
    is held). A body that is not JSON, and fields besides these, are ignored as they always
    were."""
    if not is_json or not body.strip():
        return False, ""
    data = read_json_object(body)
    errors: dict[str, str] = {}
    appendix = data.get("appendix", False)
    if not isinstance(appendix, bool):
        errors["appendix"] = "appendix must be true or false"
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        errors["reason"] = "reason must be text: why a version after the meeting is needed"
    if errors:
        raise ValidationFailed(errors)
    return bool(appendix), str(reason)


def wants_async() -> bool:
    """Whether the caller sent `Prefer: respond-async` (RFC 7240)."""
    preferences = request.headers.get("Prefer", "").lower().replace(",", ";").split(";")
    return "respond-async" in (p.strip() for p in preferences)


@bp.route("/meetings/<int:meeting_id>/packs", methods=["POST"])
@api_requires(Permission.CHAIR_MEETINGS)
def issue_meeting_pack(meeting_id: int) -> ResponseReturnValue:
    """Issue the next version of the meeting's pack: 201 {"version", "sha256", "pdf_url"}.

    A job issues it; the call waits for it (api_job_wait_seconds), or with
    `Prefer: respond-async` answers 202 at once with a Location to GET /api/v1/jobs/ID (so
    does a wait that runs out). Once the meeting is held the version is a correction and
    needs a JSON `reason` (422 without it); `appendix` adds the items' full texts.
    """
    meeting = services.runnable_meeting(current_user, meeting_id)
    if meeting is None:
        if services.refusal_to_run(current_user, meeting_id) == 403:
            return json_error(403, "Only the meeting's chair and its host agency's chairs run it.")
        return not_found()
    appendix, reason = _issue_options(request.get_data(cache=False), request.is_json)
    job = meeting_jobs.start_issue(
        current_user, meeting, clock.today(), appendix=appendix, reason=reason, via="api"
    )
    if wants_async():
        return accepted(job)
    job = commit_and_wait(job, float(current_app.config["PORTAL"]["api_job_wait_seconds"]))
    if job.state is JobState.FAILED:
        if job.errors:
            raise ValidationFailed(job.errors)
        return json_error(500, f"{job.error} Nothing was issued.")
    if job.state is not JobState.DONE:
        return accepted(job)
    response = jsonify(pack_answer(job.result or {}))
    response.status_code = 201
    response.headers["Location"] = response.get_json()["pdf_url"]
    return response


@bp.route("/meetings/<int:meeting_id>/packs/<int:version>.pdf")
@api_requires(Permission.BROWSE)
def meeting_pack_pdf(meeting_id: int, version: int) -> ResponseReturnValue:
    """The issued PDF, byte for byte; 404 for anyone who may not read the pack."""
    meeting = services.readable_meeting(current_user, meeting_id)
    pack = packs.issued_pack(meeting, version) if meeting else None
    if meeting is None or pack is None:
        return not_found()
    content = packs.pack_pdf(current_user, meeting, pack, via="api")
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="meeting-{meeting.id}-pack-v{version}.pdf"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
