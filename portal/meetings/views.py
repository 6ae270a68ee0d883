"""Meeting pages: the list, a meeting and its agenda, packs, minutes and actions.

Reading needs ATTEND_MEETINGS and an invitation (else 404, as if the meeting did not
exist); running a meeting needs CHAIR_MEETINGS too. The work is in services, proposals,
packs and minutes.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.meetings import (
    actions_views,  # noqa: F401  (adds /meetings/actions to bp)
    agenda_views,  # noqa: F401  (the agenda's routes, on bp)
    life_views,  # noqa: F401 - its routes: issuing a pack, approving the minutes
    minutes,
    pack_rendering,
    packs,
    services,
)
from portal.meetings.blueprint import bp
from portal.meetings.forms import (
    ActionForm,
    ActionUpdateForm,
    AddProviderForm,
    AttendeeForm,
    DiscussionForm,
    MeetingForm,
    MoveForm,
    PlainForm,
    RemoveProviderForm,
    choice_id,
)
from portal.meetings.pages import meeting_page
from portal.models import Meeting
from portal.policy import Permission, has_permission, requires
from portal.unit_of_work import ValidationFailed
from portal.views import page_number


def _readable(meeting_id: int) -> Meeting:
    meeting = services.readable_meeting(current_user, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _runnable(meeting_id: int) -> Meeting:
    meeting = services.runnable_meeting(current_user, meeting_id)
    if meeting is None:
        abort(services.refusal_to_run(current_user, meeting_id))
    return meeting


def _to_meeting(meeting: Meeting, message: str | None = None) -> ResponseReturnValue:
    if message:
        flash(message, "success")
    return redirect(url_for(".view_meeting", meeting_id=meeting.id))


def _pdf(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("")
@requires(Permission.ATTEND_MEETINGS)
def list_meetings() -> ResponseReturnValue:
    """The meetings the user's agency is invited to, newest first."""
    per_page = int(current_app.config["PORTAL"]["page_size"])
    result = services.meetings_page(current_user, page_number(request.args), per_page)
    return render_template(
        "meetings/list.html",
        result=result,
        can_chair=has_permission(current_user, Permission.CHAIR_MEETINGS),
        page_url=lambda n: url_for(".list_meetings", page=n),
        today=clock.today(),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def new_meeting() -> ResponseReturnValue:
    """Create a meeting: date, title, location and the agencies invited."""
    form = MeetingForm()
    form.set_agencies(services.agencies())
    if request.method == "GET":
        form.agencies.data = [a.code for a in services.agencies()]
    elif form.validate_on_submit():
        held_on = form.date_value("Date of the meeting", required=True)
        try:
            details = services.meeting_details(
                held_on, form.title.data, form.location.data, list(form.agencies.data or [])
            )
        except ValidationFailed as refused:
            for key, message in refused.errors.items():
                target = {"held_on": form.day}.get(key) or getattr(form, key)
                if message not in target.errors:
                    target.errors = [*target.errors, message]
        else:
            meeting = services.create_meeting(current_user, details)
            return _to_meeting(meeting, "Meeting created")
    return render_template("meetings/new.html", form=form)


@bp.route("/<int:meeting_id>")
@requires(Permission.ATTEND_MEETINGS)
def view_meeting(meeting_id: int) -> ResponseReturnValue:
    """A meeting: its agenda with the reasons, its issued packs and its minutes."""
    meeting = _readable(meeting_id)
    page = meeting_page(current_user, meeting, clock.today())
    return render_template("meetings/meeting.html", page=page, form=PlainForm(), move=MoveForm())


@bp.route("/<int:meeting_id>/agenda/add", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def add_provider(meeting_id: int) -> ResponseReturnValue:
    """Find a provider, then add it to the agenda with the reason."""
    meeting = _runnable(meeting_id)
    form = AddProviderForm()
    provider = services.provider_by_id(form.provider_id.data or request.args.get("provider_id"))
    if provider is not None and form.validate_on_submit():
        try:
            services.add_provider(
                current_user, meeting, provider, (form.reason.data or "").strip(), clock.today()
            )
        except services.MeetingLocked as locked:
            flash(str(locked))
            return _to_meeting(meeting)
        return _to_meeting(meeting, f"{provider.name} added to the agenda")
    query = request.args.get("q", "").strip()[:200]
    return render_template(
        "meetings/add_provider.html",
        meeting=meeting,
        form=form,
        provider=provider,
        query=query,
        matches=services.find_providers(query) if query and provider is None else [],
    )


@bp.route("/<int:meeting_id>/agenda/<int:provider_id>/remove", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def remove_provider(meeting_id: int, provider_id: int) -> ResponseReturnValue:
    """Take a provider off the agenda, with the reason."""
    meeting = _runnable(meeting_id)
    provider = services.provider_by_id(provider_id)
    if provider is None:
        abort(404)
    form = RemoveProviderForm()
    if form.validate_on_submit():
        try:
            services.remove_provider(
                current_user, meeting, provider_id, (form.reason.data or "").strip(), clock.today()
            )
        except services.MeetingLocked as locked:
            flash(str(locked))
            return _to_meeting(meeting)
        return _to_meeting(meeting, f"{provider.name} taken off the agenda")
    return render_template(
        "meetings/remove_provider.html", meeting=meeting, provider=provider, form=form
    )


@bp.route("/<int:meeting_id>/agenda/<int:provider_id>/restore", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def restore_provider(meeting_id: int, provider_id: int) -> ResponseReturnValue:
    """Put a removed provider back on the agenda."""
    meeting = _runnable(meeting_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        services.restore_provider(current_user, meeting, provider_id, clock.today())
    except services.MeetingLocked as locked:
        flash(str(locked))
    except services.NotOnAgenda:
        abort(404)
    return _to_meeting(meeting)


@bp.route("/<int:meeting_id>/agenda/<int:provider_id>/move", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def move_provider(meeting_id: int, provider_id: int) -> ResponseReturnValue:
    """Move a provider one place up or down the agenda."""
    meeting = _runnable(meeting_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.move_provider(
            current_user, meeting, provider_id, form.direction.data or "", clock.today()
        )
    except services.MeetingLocked as locked:
        flash(str(locked))
    except services.NotOnAgenda:
        abort(404)
    return redirect(url_for(".view_meeting", meeting_id=meeting.id, _anchor="agenda"))


@bp.route("/<int:meeting_id>/pack")
@requires(Permission.CHAIR_MEETINGS)
def preview_pack(meeting_id: int) -> ResponseReturnValue:
    """The pack as it would be issued now (HTML; nothing is stored)."""
    meeting = _runnable(meeting_id)
    return pack_rendering.preview(meeting, clock.today())


@bp.route("/<int:meeting_id>/packs/<int:version>")
@requires(Permission.ATTEND_MEETINGS)
def view_pack(meeting_id: int, version: int) -> ResponseReturnValue:
    """An issued version as HTML, exactly as issued (the read is audited)."""
    meeting = _readable(meeting_id)
    pack = packs.issued_pack(meeting, version)
    if pack is None:
        abort(404)
    packs.record_html_read(current_user, meeting, pack)
    return pack.html


@bp.route("/<int:meeting_id>/packs/<int:version>.pdf")
@requires(Permission.ATTEND_MEETINGS)
def download_pack(meeting_id: int, version: int) -> ResponseReturnValue:
    """An issued version's PDF, byte for byte (the download is audited)."""
    meeting = _readable(meeting_id)
    pack = packs.issued_pack(meeting, version)
    if pack is None:
        abort(404)
    content = packs.pack_pdf(current_user, meeting, pack)
    return _pdf(content, f"meeting-{meeting.id}-pack-v{version}.pdf")


@bp.route("/<int:meeting_id>/minutes")
@requires(Permission.ATTEND_MEETINGS)
def view_minutes(meeting_id: int) -> ResponseReturnValue:
    """The minutes: attendance, discussions, decisions and actions (forms for the chair)."""
    meeting = _readable(meeting_id)
    return _minutes_page(meeting, AttendeeForm())


def _minutes_page(meeting: Meeting, attendee_form: AttendeeForm) -> str:
    attendee_form.agency.choices = [(str(a.id), a.name) for a in meeting.agencies]
    return render_template(
        "meetings/minutes.html",
        minutes=minutes.minutes(meeting, clock.today()),
        can_run=services.runnable_meeting(current_user, meeting.id) is not None,
        attendee_form=attendee_form,
        form=PlainForm(),
        user_agency_id=current_user.agency_id,
        today=clock.today(),
    )


@bp.route("/<int:meeting_id>/attendees", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def add_attendee(meeting_id: int) -> ResponseReturnValue:
    """Record someone who attended, for an invited agency."""
    meeting = _runnable(meeting_id)
    form = AttendeeForm()
    invited = {a.id: a for a in meeting.agencies}
    agency_id = choice_id(form.agency.data, set(invited))
    if form.validate_on_submit() and agency_id is not None:
        try:
            services.add_attendee(
                current_user, meeting, (form.name.data or "").strip(), invited[agency_id]
            )
        except services.MeetingLocked as locked:
            flash(str(locked))
        return redirect(url_for(".view_minutes", meeting_id=meeting.id))
    if agency_id is None:
        form.agency.errors = ["Choose the agency they attended for"]
    return _minutes_page(meeting, form)


@bp.route("/<int:meeting_id>/providers/<int:provider_id>/discussion", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def record_discussion(meeting_id: int, provider_id: int) -> ResponseReturnValue:
    """The discussion note about a provider, and a decision."""
    meeting = _runnable(meeting_id)
    provider = services.provider_by_id(provider_id)
    if provider is None:
        abort(404)
    form = DiscussionForm()
    if request.method == "GET":
        form.notes.data = services.discussion_notes(meeting, provider_id)
    elif form.validate_on_submit():
        notes, decision = (form.notes.data or "").strip(), (form.decision.data or "").strip()
        if notes or decision:
            try:
                services.record_discussion(current_user, meeting, provider_id, notes, decision)
            except services.MeetingLocked as locked:
                flash(str(locked))
            return redirect(url_for(".view_minutes", meeting_id=meeting.id))
        form.notes.errors = ["Enter the discussion or a decision"]
    return render_template(
        "meetings/discussion.html", meeting=meeting, provider=provider, form=form
    )


@bp.route("/<int:meeting_id>/actions/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def new_action(meeting_id: int) -> ResponseReturnValue:
    """An action agreed at the meeting: provider, what, owner agency, due date."""
    meeting = _runnable(meeting_id)
    form = ActionForm()
    providers = minutes.minuted_providers(meeting, clock.today())
    form.provider_id.choices = [("", "No provider"), *((str(p), n) for p, n in providers)]
    form.owner.choices = [
        ("", "Choose an agency"),
        *((str(a.id), a.name) for a in meeting.agencies),
    ]
    if request.method == "POST":
        valid = form.validate_on_submit()
        due_on = form.date_value("Due date", required=False)
        owners = {a.id: a for a in meeting.agencies}
        owner_id = choice_id(form.owner.data, set(owners))
        provider_id = choice_id(form.provider_id.data, {p for p, _ in providers})
        if owner_id is None:
            form.owner.errors = ["Choose the agency that owns the action"]
        if form.provider_id.data and provider_id is None:
            form.provider_id.errors = ["Choose a provider from the list"]
        if valid and owner_id is not None and not form.day.errors and not form.provider_id.errors:
            try:
                services.add_action(
                    current_user,
                    meeting,
                    provider_id,
                    (form.description.data or "").strip(),
                    owners[owner_id],
                    due_on,
                )
            except services.MeetingLocked as locked:
                flash(str(locked))
            return redirect(url_for(".view_minutes", meeting_id=meeting.id))
    return render_template("meetings/action_new.html", meeting=meeting, form=form)


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@requires(Permission.ATTEND_MEETINGS)
def update_action(action_id: int) -> ResponseReturnValue:
    """The owner agency's members (and the meeting's chairs) update an action."""
    found = services.updatable_action(current_user, action_id)
    if found is None:
        abort(404)
    action, meeting = found
    form = ActionUpdateForm()
    if request.method == "GET":
        form.status.data, form.note.data = action.status.value, action.closing_note
    elif form.validate_on_submit():
        status = form.checked_status()
        if status is not None:
            services.update_action(current_user, action, status, (form.note.data or "").strip())
            flash("Action updated", "success")
            return redirect(url_for(".view_minutes", meeting_id=meeting.id))
    return render_template("meetings/action_update.html", action=action, meeting=meeting, form=form)


@bp.route("/<int:meeting_id>/minutes.pdf")
@requires(Permission.ATTEND_MEETINGS)
def download_minutes(meeting_id: int) -> ResponseReturnValue:
    """The approved minutes' PDF (404 until they are approved)."""
    meeting = _readable(meeting_id)
    content = minutes.approved_minutes_pdf(meeting)
    if content is None:
        abort(404)
    services.record_minutes_download(current_user, meeting)
    return _pdf(content, f"meeting-{meeting.id}-minutes.pdf")
