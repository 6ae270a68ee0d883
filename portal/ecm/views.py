"""The ECM upload page: council members and chairs import a visit log for their agency."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.ecm import import_jobs
from portal.ecm.forms import EcmImportForm
from portal.ecm.mappings import mappings
from portal.policy import Permission, can_record_monitoring, requires
from portal.unit_of_work import ValidationFailed

bp = Blueprint("ecm", __name__)


@bp.route("/care-monitoring/import", methods=["GET", "POST"])
@requires(Permission.LOG_INTELLIGENCE)
def import_log() -> ResponseReturnValue:
    """Upload an ECM visit log, imported by a job (the same importer as `portal ecm import`);
    given the finished job (?job=ID), show its report or what stopped it."""
    if not can_record_monitoring(current_user):
        abort(403)
    form = EcmImportForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        upload = form.file.data
        try:
            job = import_jobs.start_import(
                current_user,
                upload.stream.read(),
                upload.filename or "upload.csv",
                form.mapping.data or "",
                form.marking.data or "",
            )
        except ValidationFailed as refused:
            errors = refused.errors
        else:
            return redirect(url_for("jobs.view_job", job_id=job.id))
    report, stopped = import_jobs.outcome(current_user, request.args.get("job", ""))
    for name, message in (errors or stopped).items():
        getattr(form, name if name in ("file", "mapping", "marking") else "file").errors = [message]
    return render_template(
        "ecm/import.html",
        form=form,
        report=report,
        mappings=mappings(),
    )
