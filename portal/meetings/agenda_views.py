"""The chair's controls on a meeting's agenda: save the discussion list's order, move providers
between the discussion and noting lists, take several off with one reason.

Only the meeting's chair and the chairs of its host agency act (services.runnable_meeting;
anyone else gets 403 if they may read the meeting, else 404); once the meeting is held the agenda is
frozen and a change is refused with a message. The work is in portal.meetings.agenda.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.meetings import agenda, services
from portal.meetings.agenda_facts import DISCUSSION, NOTING
from portal.meetings.blueprint import bp
from portal.meetings.forms import AgendaListForm, ListForm, MoveForm, PlainForm
from portal.meetings.pages import meeting_page
from portal.models import Meeting
from portal.policy import Permission, requires
from portal.unit_of_work import ValidationFailed

LIST_NAMES = {DISCUSSION: "the discussion list", NOTING: "the noting list"}


def _runnable(meeting_id: int) -> Meeting:
    meeting = services.runnable_meeting(current_user, meeting_id)
    if meeting is None:
        abort(services.refusal_to_run(current_user, meeting_id))
    return meeting


def _to_agenda(meeting: Meeting, message: str | None = None) -> ResponseReturnValue:
    if message:
        flash(message, "success")
    return redirect(url_for(".view_meeting", meeting_id=meeting.id, _anchor="agenda"))


def _with_list_form(
    meeting_id: int, change: Callable[[Meeting, AgendaListForm], str]
) -> ResponseReturnValue:
    """Run a change sent by the discussion list's form; its messages shown on the meeting page."""
    meeting = _runnable(meeting_id)
    form = AgendaListForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        message = change(meeting, form)
    except services.MeetingLocked as locked:
        flash(str(locked))
        return _to_agenda(meeting)
    except ValidationFailed as refused:
        form.show_errors(refused.errors)
        page = meeting_page(current_user, meeting, clock.today())
        html = render_template(
            "meetings/meeting.html", page=page, form=PlainForm(), move=MoveForm(), agenda_form=form
        )
        return html, 400
    return _to_agenda(meeting, message)


def _count(ids: list[int]) -> str:
    return f"{len(ids)} {'provider' if len(ids) == 1 else 'providers'}"


@bp.route("/<int:meeting_id>/agenda/order", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def save_order(meeting_id: int) -> ResponseReturnValue:
    """Save the discussion list's order from the numbers typed (or set by the page's script)."""

    def change(meeting: Meeting, _form: AgendaListForm) -> str:
        agenda.save_order(current_user, meeting, request.form, clock.today())
        return "The order of the discussion list is saved"

    return _with_list_form(meeting_id, change)


@bp.route("/<int:meeting_id>/agenda/noting", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def note_selected(meeting_id: int) -> ResponseReturnValue:
    """Move the selected providers from the discussion list to the noting list."""

    def change(meeting: Meeting, _form: AgendaListForm) -> str:
        moved = agenda.list_providers(
            current_user, meeting, request.form.getlist("provider_id"), NOTING, clock.today()
        )
        return f"{_count(moved)} moved to the noting list"

    return _with_list_form(meeting_id, change)


@bp.route("/<int:meeting_id>/agenda/remove", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def remove_selected(meeting_id: int) -> ResponseReturnValue:
    """Take the selected providers off the agenda, with one reason."""

    def change(meeting: Meeting, form: AgendaListForm) -> str:
        removed = agenda.remove_providers(
            current_user,
            meeting,
            request.form.getlist("provider_id"),
            form.reason.data,
            clock.today(),
        )
        return f"{_count(removed)} taken off the agenda"

    return _with_list_form(meeting_id, change)


@bp.route("/<int:meeting_id>/agenda/<int:provider_id>/list", methods=["POST"])
@requires(Permission.CHAIR_MEETINGS)
def list_provider(meeting_id: int, provider_id: int) -> ResponseReturnValue:
    """One click: add an also-qualified provider (or one for noting) to the discussion list,
    or move one to the noting list."""
    meeting = _runnable(meeting_id)
    form = ListForm()
    if not form.validate_on_submit():
        abort(400)
    listed_for = form.listed_for.data or ""
    try:
        agenda.list_providers(current_user, meeting, [provider_id], listed_for, clock.today())
    except services.MeetingLocked as locked:
        flash(str(locked))
        return _to_agenda(meeting)
    name = services.provider_by_id(provider_id)
    return _to_agenda(
        meeting, f"{name.name if name else 'Provider'} moved to {LIST_NAMES[listed_for]}"
    )
