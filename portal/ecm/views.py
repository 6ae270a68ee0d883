"""The ECM upload page: council members and chairs import a visit log for their agency."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.ecm.forms import EcmImportForm
from portal.ecm.mappings import mappings
from portal.ecm.services import import_upload
from portal.policy import Permission, can_record_monitoring, requires
from portal.unit_of_work import ValidationFailed

bp = Blueprint("ecm", __name__)


@bp.route("/care-monitoring/import", methods=["GET", "POST"])
@requires(Permission.LOG_INTELLIGENCE)
def import_log() -> ResponseReturnValue:
    """Upload an ECM visit log; the same importer as `portal ecm import`; show the report."""
    if not can_record_monitoring(current_user):
        abort(403)
    form = EcmImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = import_upload(
                current_user,
                upload.stream,
                upload.filename or "upload.csv",
                form.mapping.data or "",
                form.marking.data or "",
            )
        except ValidationFailed as refused:
            for name, message in refused.errors.items():
                getattr(form, name).errors = [message]
    return render_template(
        "ecm/import.html",
        form=form,
        report=report,
        mappings=mappings(),
    )
