"""Provider pages: list, provider, administrators' create, edit and CQC upload."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.concerns.services import provider_panel
from portal.ecm.measures import thresholds
from portal.extensions import db
from portal.models import Provider
from portal.policy import (
    Permission,
    can_log_intelligence,
    can_record_monitoring,
    has_permission,
    requires,
)
from portal.providers import import_jobs
from portal.providers.admin import form_data, save_provider
from portal.providers.forms import ImportForm, ProviderFilterForm, ProviderForm
from portal.providers.services import (
    DISTANCE_NOTE,
    ProviderFilters,
    local_authorities,
    provider_list,
    provider_page,
)
from portal.unit_of_work import ValidationFailed
from portal.views import page_number

bp = Blueprint("providers", __name__)


def _per_page() -> int:
    return int(current_app.config["PORTAL"]["page_size"])


@bp.route("/providers")
@requires(Permission.BROWSE)
def list_providers() -> ResponseReturnValue:
    """The provider register, filtered (a GET form) and paged."""
    form = ProviderFilterForm(request.args)
    form.set_choices(local_authorities())
    form.validate()
    filters = ProviderFilters(
        q=(form.q.data or "").strip() if not form.q.errors else "",
        local_authority=form.local_authority.data or "",
        service_type=form.service_type.data or "",
        rating=form.rating.data or "",
        open_concern=bool(form.open_concern.data),
        active_embargo=bool(form.active_embargo.data),
    )
    result = provider_list(
        current_user, filters, page_number(request.args), _per_page(), clock.today()
    )
    if result.message:
        form.q.errors = [result.message]
    return render_template(
        "providers/list.html",
        form=form,
        filters=filters,
        result=result,
        distance_note=DISTANCE_NOTE,
        can_administer=has_permission(current_user, Permission.ADMINISTER),
        page_url=lambda n: url_for("providers.list_providers", page=n, **filters.query_args()),
    )


@bp.route("/providers/<int:provider_id>")
@requires(Permission.BROWSE)
def view_provider(provider_id: int) -> ResponseReturnValue:
    """One provider: address, ratings, concern, embargo, risk and readable intelligence."""
    page = provider_page(current_user, provider_id, clock.today())
    if page is None:
        abort(404)
    return render_template(
        "providers/provider.html",
        page=page,
        panel=provider_panel(current_user, provider_id, clock.today()),
        distance_note=DISTANCE_NOTE,
        can_administer=has_permission(current_user, Permission.ADMINISTER),
        can_record_monitoring=can_record_monitoring(current_user),
        can_log_intelligence=can_log_intelligence(current_user),
        ecm_thresholds=thresholds(),
    )


@bp.route("/providers/new", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def create_provider() -> ResponseReturnValue:
    """Add a provider the CQC files do not (yet) have."""
    form = ProviderForm()
    if form.validate_on_submit():
        try:
            result = save_provider(None, form.data)
        except ValidationFailed as refused:
            _add_errors(form, refused.errors)
        else:
            flash(f"{result.provider.name} added to the register", "success")
            return redirect(url_for("providers.view_provider", provider_id=result.provider.id))
    return render_template("providers/edit.html", form=form, provider=None)


@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def edit_provider(provider_id: int) -> ResponseReturnValue:
    """Change a provider's details."""
    provider = db.get_or_404(Provider, provider_id)
    form = ProviderForm(data=form_data(provider))
    if form.validate_on_submit():
        try:
            result = save_provider(provider, form.data)
        except ValidationFailed as refused:
            _add_errors(form, refused.errors)
        else:
            message = "Changes saved" if result.changes else "Nothing was changed"
            flash(message, "success")
            return redirect(url_for("providers.view_provider", provider_id=provider.id))
    return render_template("providers/edit.html", form=form, provider=provider)


@bp.route("/providers/import", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def import_providers() -> ResponseReturnValue:
    """Upload a CQC location file, imported by a job (the same importer as the command line);
    given the finished job (?job=ID), show its report or what stopped it."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        job = import_jobs.start_import(
            current_user, upload.stream.read(), upload.filename or "upload.csv"
        )
        return redirect(url_for("jobs.view_job", job_id=job.id))
    report, error = import_jobs.outcome(current_user, request.args.get("job", ""))
    if error:
        form.file.errors = [error]
    return render_template("providers/import.html", form=form, report=report)


def _add_errors(form: ProviderForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, message]
