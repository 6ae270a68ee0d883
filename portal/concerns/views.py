"""Provider concerns and embargo pages: chairs act; every signed-in user reads."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.concerns import notices, services
from portal.concerns.forms import EmbargoForm, LiftForm, NoticesForm, StageForm, StartConcernForm
from portal.extensions import db
from portal.models import ConcernStatus, Provider
from portal.policy import Permission, requires

bp = Blueprint("concerns", __name__)


def today() -> date:
    """Today's date (tests replace this function to fix the day)."""
    return date.today()


def _provider_url(provider_id: int) -> str:
    return url_for("providers.view_provider", provider_id=provider_id)


@bp.route("/providers/<int:provider_id>/concerns/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def start_concern(provider_id: int) -> ResponseReturnValue:
    """Start the provider concerns process: the decision to initiate, perhaps a meeting's."""
    provider = db.get_or_404(Provider, provider_id)
    existing = services.open_concern_for(provider.id)
    if existing is not None:
        flash("There is already an open provider concern: record its next stage.", "info")
        return redirect(url_for(".view_concern", concern_id=existing.id))
    form = StartConcernForm()
    form.set_choices(
        services.meeting_choices(current_user), services.decision_choices(current_user, provider.id)
    )
    if request.method == "GET" and request.args.get("decision"):
        form.decision_id.data = request.args.get("decision", "")
    if request.method == "POST":
        concern, errors = services.start_concern(current_user, provider, form.as_data(), today())
        if concern is not None:
            flash("Provider concerns process started", "success")
            return redirect(_provider_url(provider.id) + "#concerns")
        form.show_errors(errors)
    return render_template("concerns/start.html", form=form, provider=provider)


@bp.route("/concerns/<int:concern_id>")
@requires(Permission.BROWSE)
def view_concern(concern_id: int) -> ResponseReturnValue:
    """A provider concern with every stage recorded."""
    concern = services.load_concern(concern_id)
    if concern is None:
        abort(404)
    return render_template(
        "concerns/concern.html",
        view=services.concern_view(concern),
        can_chair=services.can_chair(current_user),
    )


@bp.route("/concerns/<int:concern_id>/stages/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def record_stage(concern_id: int) -> ResponseReturnValue:
    """Record the next stage (forward only); closure records the outcome."""
    concern = services.load_concern(concern_id)
    if concern is None:
        abort(404)
    if concern.status is ConcernStatus.CLOSED:
        flash("This provider concern is closed.", "info")
        return redirect(url_for(".view_concern", concern_id=concern.id))
    form = StageForm()
    current = concern.current_stage
    allowed = services.next_stages(current.stage if current else None)
    form.set_choices(
        [(str(s), services.stage_label(s)) for s in allowed],
        services.meeting_choices(current_user),
    )
    if request.method == "GET":
        form.after.data = str(current.stage) if current else ""
    else:
        errors = services.record_stage(current_user, concern, form.as_data(), today())
        if not errors:
            flash("Stage recorded", "success")
            return redirect(url_for(".view_concern", concern_id=concern.id))
        form.show_errors(errors)
    return render_template(
        "concerns/stage.html", form=form, view=services.concern_view(concern), allowed=allowed
    )


@bp.route("/providers/<int:provider_id>/embargoes/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def place_embargo(provider_id: int) -> ResponseReturnValue:
    """Place an embargo on new placements with the provider."""
    provider = db.get_or_404(Provider, provider_id)
    existing = services.current_embargo_for(provider.id, today())
    if existing is not None:
        flash("This provider already has an embargo in force or to come.", "info")
        return redirect(url_for(".view_embargo", embargo_id=existing.id))
    form = EmbargoForm()
    if request.method == "POST":
        embargo, errors = services.place_embargo(current_user, provider, form.as_data(), today())
        if embargo is not None:
            flash("Embargo placed. Now send the notice to other boroughs.", "success")
            return redirect(url_for(".view_embargo", embargo_id=embargo.id))
        form.show_errors(errors)
    return render_template("concerns/embargo_form.html", form=form, provider=provider)


@bp.route("/embargoes/<int:embargo_id>")
@requires(Permission.BROWSE)
def view_embargo(embargo_id: int) -> ResponseReturnValue:
    """An embargo: its dates, reason, lifting and the boroughs told."""
    embargo = services.load_embargo(embargo_id)
    if embargo is None:
        abort(404)
    day = today()
    return render_template(
        "concerns/embargo.html",
        embargo=embargo,
        status=services.embargo_status(embargo, day),
        over=embargo.is_over(day),
        can_chair=services.can_chair(current_user),
    )


@bp.route("/embargoes/<int:embargo_id>/lift", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def lift_embargo(embargo_id: int) -> ResponseReturnValue:
    """Lift an embargo: placements may resume from the date given."""
    embargo = services.load_embargo(embargo_id)
    if embargo is None:
        abort(404)
    if embargo.is_over(today()):
        flash("This embargo has already been lifted or has ended.", "info")
        return redirect(url_for(".view_embargo", embargo_id=embargo.id))
    form = LiftForm()
    if request.method == "POST":
        errors = services.lift_embargo(current_user, embargo, form.as_data(), today())
        if not errors:
            flash("Embargo lifted. Tell the boroughs that were told of it.", "success")
            return redirect(url_for(".view_embargo", embargo_id=embargo.id))
        form.show_errors(errors)
    return render_template("concerns/lift.html", form=form, embargo=embargo)


@bp.route("/embargoes/<int:embargo_id>/notices/new", methods=["GET", "POST"])
@requires(Permission.CHAIR_MEETINGS)
def record_notices(embargo_id: int) -> ResponseReturnValue:
    """Record which boroughs were told of the embargo (or its lifting), and when."""
    embargo = services.load_embargo(embargo_id)
    if embargo is None:
        abort(404)
    form = NoticesForm()
    form.set_choices(services.london_boroughs())
    if request.method == "GET" and embargo.lifted:
        form.subject.data = "lifting"
    if request.method == "POST":
        told, errors = services.record_notices(current_user, embargo, form.as_data(), today())
        if not errors:
            flash(f"Recorded {told} {'authority' if told == 1 else 'authorities'} told", "success")
            return redirect(url_for(".view_embargo", embargo_id=embargo.id))
        form.show_errors(errors)
    return render_template("concerns/notices_form.html", form=form, embargo=embargo)


@bp.route("/embargoes/<int:embargo_id>/notice")
@requires(Permission.CHAIR_MEETINGS)
def preview_notice(embargo_id: int) -> ResponseReturnValue:
    """The notice to other boroughs, as the browser shows it."""
    embargo = services.load_embargo(embargo_id)
    if embargo is None:
        abort(404)
    return notices.notice_html(current_user, embargo, today())


@bp.route("/embargoes/<int:embargo_id>/notice.pdf")
@requires(Permission.CHAIR_MEETINGS)
def download_notice(embargo_id: int) -> ResponseReturnValue:
    """The notice to other boroughs as a PDF, to attach to an e-mail."""
    embargo = services.load_embargo(embargo_id)
    if embargo is None:
        abort(404)
    return notices.notice_pdf_response(current_user, embargo, today())
