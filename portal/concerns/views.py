"""Provider concerns and embargo pages: every signed-in user reads; a chair of a council opens
a concern or places an embargo, and afterwards the chairs of that agency act on it (policy's
can_run_concerns, can_act_on_concern, can_act_on_embargo). Anyone else is refused with 403."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.concerns import embargoes, notices, process
from portal.concerns.forms import EmbargoForm, LiftForm, NoticesForm, StageForm, StartConcernForm
from portal.extensions import db
from portal.models import Embargo, Provider, ProviderConcern
from portal.policy import (
    Permission,
    can_act_on_concern,
    can_act_on_embargo,
    can_run_concerns,
    requires,
)
from portal.unit_of_work import ValidationFailed

bp = Blueprint("concerns", __name__)


def _provider_url(provider_id: int) -> str:
    return url_for("providers.view_provider", provider_id=provider_id)


def _provider_to_open(provider_id: int) -> Provider:
    """The provider, for a chair of a council to open a concern or an embargo about (404, 403)."""
    provider = db.get_or_404(Provider, provider_id)
    if not can_run_concerns(current_user):
        abort(403)
    return provider


def _concern_to_act_on(concern_id: int) -> ProviderConcern:
    """The concern, for a chair of the agency that opened it (404 if none, else 403)."""
    concern = process.load_concern(concern_id)
    if concern is None:
        abort(404)
    if not can_act_on_concern(current_user, concern):
        abort(403)
    return concern


def _embargo_to_act_on(embargo_id: int) -> Embargo:
    """The embargo, for a chair of the agency that placed it (404 if none, else 403)."""
    embargo = embargoes.load_embargo(embargo_id)
    if embargo is None:
        abort(404)
    if not can_act_on_embargo(current_user, embargo):
        abort(403)
    return embargo


@bp.route("/providers/<int:provider_id>/concerns/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def start_concern(provider_id: int) -> ResponseReturnValue:
    """Start the provider concerns process: the decision to initiate, perhaps a meeting's."""
    provider = _provider_to_open(provider_id)
    existing = process.open_concern_for(provider.id, clock.today())
    if existing is not None:
        flash("There is already an open provider concern: record its next stage.", "info")
        return redirect(url_for(".view_concern", concern_id=existing.id))
    form = StartConcernForm()
    form.set_choices(
        process.meeting_choices(current_user), process.decision_choices(current_user, provider.id)
    )
    if request.method == "GET" and request.args.get("decision"):
        form.decision_id.data = request.args.get("decision", "")
    if request.method == "POST":
        try:
            process.start_concern(current_user, provider, form.as_data(), clock.today())
        except ValidationFailed as refused:
            form.show_errors(refused.errors)
        else:
            flash("Provider concerns process started", "success")
            return redirect(_provider_url(provider.id) + "#concerns")
    return render_template("concerns/start.html", form=form, provider=provider)


@bp.route("/concerns/<int:concern_id>")
@requires(Permission.BROWSE)
def view_concern(concern_id: int) -> ResponseReturnValue:
    """A provider concern with every stage recorded."""
    concern = process.load_concern(concern_id)
    if concern is None:
        abort(404)
    return render_template(
        "concerns/concern.html",
        view=process.concern_view(concern, clock.today(), current_user),
        can_act=can_act_on_concern(current_user, concern),
    )


@bp.route("/concerns/<int:concern_id>/stages/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def record_stage(concern_id: int) -> ResponseReturnValue:
    """Record the next stage (forward only); closure records the outcome."""
    concern = _concern_to_act_on(concern_id)
    if not concern.is_open_on(clock.today()):
        flash("This provider concern is closed.", "info")
        return redirect(url_for(".view_concern", concern_id=concern.id))
    form = StageForm()
    current = concern.current_stage
    allowed = process.next_stages(current.stage if current else None)
    form.set_choices(
        [(str(s), process.stage_label(s)) for s in allowed],
        process.meeting_choices(current_user),
    )
    if request.method == "GET":
        form.after.data = str(current.stage) if current else ""
    else:
        try:
            process.record_stage(current_user, concern, form.as_data(), clock.today())
        except ValidationFailed as refused:
            form.show_errors(refused.errors)
        else:
            flash("Stage recorded", "success")
            return redirect(url_for(".view_concern", concern_id=concern.id))
    return render_template(
        "concerns/stage.html",
        form=form,
        view=process.concern_view(concern, clock.today(), current_user),
        allowed=allowed,
    )


@bp.route("/providers/<int:provider_id>/embargoes/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def place_embargo(provider_id: int) -> ResponseReturnValue:
    """Place an embargo on new placements with the provider."""
    provider = _provider_to_open(provider_id)
    existing = embargoes.current_embargo_for(provider.id, clock.today())
    if existing is not None:
        flash("This provider already has an embargo in force or to come.", "info")
        return redirect(url_for(".view_embargo", embargo_id=existing.id))
    form = EmbargoForm()
    if request.method == "POST":
        try:
            embargo = embargoes.place_embargo(current_user, provider, form.as_data(), clock.today())
        except ValidationFailed as refused:
            form.show_errors(refused.errors)
        else:
            flash("Embargo placed. Now send the notice to other boroughs.", "success")
            return redirect(url_for(".view_embargo", embargo_id=embargo.id))
    return render_template("concerns/embargo_form.html", form=form, provider=provider)


@bp.route("/embargoes/<int:embargo_id>")
@requires(Permission.BROWSE)
def view_embargo(embargo_id: int) -> ResponseReturnValue:
    """An embargo: its dates, reason, lifting and the boroughs told."""
    embargo = embargoes.load_embargo(embargo_id)
    if embargo is None:
        abort(404)
    day = clock.today()
    return render_template(
        "concerns/embargo.html",
        embargo=embargo,
        status=embargoes.embargo_status(embargo, day),
        over=embargo.is_over(day),
        can_act=can_act_on_embargo(current_user, embargo),
        emailed=embargoes.notices_emailed(embargo),
    )


@bp.route("/embargoes/<int:embargo_id>/lift", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def lift_embargo(embargo_id: int) -> ResponseReturnValue:
    """Lift an embargo: placements may resume from the date given."""
    embargo = _embargo_to_act_on(embargo_id)
    if embargo.is_over(clock.today()):
        flash("This embargo has already been lifted or has ended.", "info")
        return redirect(url_for(".view_embargo", embargo_id=embargo.id))
    form = LiftForm()
    if request.method == "POST":
        try:
            embargoes.lift_embargo(current_user, embargo, form.as_data(), clock.today())
        except ValidationFailed as refused:
            form.show_errors(refused.errors)
        else:
            flash("Embargo lifted. Tell the boroughs that were told of it.", "success")
            return redirect(url_for(".view_embargo", embargo_id=embargo.id))
    return render_template("concerns/lift.html", form=form, embargo=embargo)


@bp.route("/embargoes/<int:embargo_id>/notices/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def record_notices(embargo_id: int) -> ResponseReturnValue:
    """Record which boroughs were told of the embargo (or its lifting), and when."""
    embargo = _embargo_to_act_on(embargo_id)
    form = NoticesForm()
    form.set_choices(notices.london_boroughs())
    if request.method == "GET" and embargo.lifted:
        form.subject.data = "lifting"
    if request.method == "POST":
        try:
            told = notices.record_notices(current_user, embargo, form.as_data(), clock.today())
        except ValidationFailed as refused:
            form.show_errors(refused.errors)
        else:
            flash(f"Recorded {told} {'authority' if told == 1 else 'authorities'} told", "success")
            return redirect(url_for(".view_embargo", embargo_id=embargo.id))
    return render_template("concerns/notices_form.html", form=form, embargo=embargo)


@bp.route("/embargoes/<int:embargo_id>/notice")
@requires(Permission.CHAIR_MEETINGS)
def preview_notice(embargo_id: int) -> ResponseReturnValue:
    """The notice to other boroughs, as the browser shows it."""
    embargo = _embargo_to_act_on(embargo_id)
    return notices.notice_html(current_user, embargo, clock.today())


@bp.route("/embargoes/<int:embargo_id>/notice.pdf")
@requires(Permission.CHAIR_MEETINGS)
def download_notice(embargo_id: int) -> ResponseReturnValue:
    """The notice to other boroughs as a PDF, to attach to an e-mail."""
    embargo = _embargo_to_act_on(embargo_id)
    return notices.notice_pdf_response(current_user, embargo, clock.today())
