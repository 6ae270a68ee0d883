"""Contract monitoring visit pages: record (council members and chairs), read, print."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.extensions import db
from portal.models import Provider
from portal.policy import Permission, requires
from portal.unit_of_work import ValidationFailed
from portal.visits import services
from portal.visits.forms import VisitForm

bp = Blueprint("visits", __name__)


@bp.route("/providers/<int:provider_id>/contract-visits/new", methods=["GET", "POST"])
@requires(Permission.LOG_INTELLIGENCE)
def new_visit(provider_id: int) -> ResponseReturnValue:
    """Record a contract monitoring visit; each "not met" finding becomes an item."""
    try:
        services.ensure_may_record(current_user)
    except services.RecordingRefused:
        abort(403)
    provider = db.get_or_404(Provider, provider_id)
    form = VisitForm()
    # CSRF is checked for every POST before the view (CSRFProtect); the service does the rest,
    # as it does for the API (services.record_submitted_visit).
    if request.method == "POST":
        try:
            visit = services.record_submitted_visit(
                current_user, form.submitted_data(provider.id), clock.today()
            )
        except services.RecordingRefused:
            abort(403)
        except ValidationFailed as refused:
            form.show_errors(refused.errors)
        else:
            flash("Visit recorded", "success")
            return redirect(url_for("visits.view_visit", visit_id=visit.id))
    return render_template("visits/form.html", form=form, provider=provider)


@bp.route("/contract-visits/<int:visit_id>")
@requires(Permission.BROWSE)
def view_visit(visit_id: int) -> ResponseReturnValue:
    """One visit the user may read, with its findings and the items they became."""
    visit = services.readable_visit(current_user, visit_id)
    if visit is None:
        abort(404)
    services.record_read(current_user, visit)
    return render_template(
        "visits/visit.html",
        visit=visit,
        findings=services.finding_lines(visit),
        spoke_to=services.spoke_to_labels(visit),
    )


@bp.route("/contract-visits/<int:visit_id>/report.pdf")
@requires(Permission.BROWSE)
def visit_report(visit_id: int) -> ResponseReturnValue:
    """The visit report as PDF (or its HTML preview with ?preview=1) to send to the provider."""
    visit = services.readable_visit(current_user, visit_id)
    if visit is None:
        abort(404)
    document = services.visit_report(visit)
    services.record_read(current_user, visit, "contract-visit-report-downloaded")
    if request.args.get("preview") == "1":
        return document.html
    name = f"contract-visit-{visit.id}-{visit.visited_on.isoformat()}.pdf"
    return (
        document.pdf,
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
