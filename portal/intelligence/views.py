"""Intelligence pages: log, read, edit, withdraw, attachments and the lists."""

from __future__ import annotations

from collections.abc import Sequence

from flask import (
    Blueprint,
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
from werkzeug.datastructures import FileStorage

from portal.errors import render_error
from portal.intelligence import lists, services
from portal.intelligence.attachments import Upload, download_headers, human_size, max_bytes
from portal.intelligence.forms import ItemForm, ListFilterForm, WithdrawForm
from portal.intelligence.recipients import people_choices
from portal.intelligence.validation import validate_item
from portal.models import IntelligenceItem, ItemStatus, Marking, Provider
from portal.policy import MARKING_SHARING_RULE, Permission, can_edit_item, requires
from portal.providers.search import find_providers
from portal.risk import EXPLANATION
from portal.unit_of_work import ValidationFailed
from portal.views import page_number

bp = Blueprint("intelligence", __name__, url_prefix="/intelligence")


def _max_mb() -> int:
    return int(current_app.config["PORTAL"]["attachment_max_mb"])


def _uploads() -> list[Upload]:
    """The files sent with the form (a part without a name is "no file chosen")."""
    limit = max_bytes(_max_mb()) + 1  # one byte more is enough to know it is too large
    files: list[FileStorage] = request.files.getlist("attachments")
    return [Upload(f.filename or "", f.read(limit)) for f in files if f.filename]


@bp.context_processor
def template_helpers() -> dict:
    """Helpers the intelligence templates share."""
    return {
        "paragraphs": services.paragraphs,
        "human_size": human_size,
        "max_mb": _max_mb(),
        "ItemStatus": ItemStatus,
    }


@bp.errorhandler(413)
def too_large(error: Exception) -> ResponseReturnValue:
    """A request above the size limit: say what the limits are (the form was not saved)."""
    return render_error(
        413,
        f"Each file can be up to {_max_mb()} MB, and all the files sent at once up to "
        f"{current_app.config['MAX_CONTENT_LENGTH'] // (1024 * 1024)} MB. Nothing was saved: "
        "go back, choose fewer or smaller files, and send the form again.",
    )


def _render_form(
    form: ItemForm,
    provider: Provider | None,
    item: IntelligenceItem | None = None,
    chosen: Sequence[str] = (),
) -> str:
    form.offer_people(people_choices(current_user, form.recipients.data or []))
    return render_template(
        "intelligence/form.html", form=form, provider=provider, item=item, chosen_files=chosen
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.LOG_INTELLIGENCE)
def new_item() -> ResponseReturnValue:
    """Log intelligence: choose the provider, then fill in the form."""
    form = ItemForm()
    if request.method == "POST":
        uploads = _uploads()
        try:
            fields = validate_item(
                form.submitted_data(), current_user, uploads, recipients_by_id=True
            )
        except ValidationFailed as refused:
            form.show_errors(refused.errors)
        else:
            item = services.log_item(current_user, fields)
            flash("Intelligence logged", "success")
            return redirect(url_for(".view_item", item_id=item.id))
        provider = services.provider_by_id(form.provider_id.data)
        return _render_form(form, provider, chosen=[u.filename for u in uploads])
    provider = services.provider_by_id(request.args.get("provider_id"))
    if provider is None:
        return _choose_provider()
    form.provider_id.data = str(provider.id)
    return _render_form(form, provider)


def _choose_provider() -> ResponseReturnValue:
    """Step one: find the provider by name, CQC ID or postcode."""
    query = request.args.get("q", "").strip()[:200]
    matches = find_providers(query) if query else []
    missing = "provider_id" in request.args
    return render_template(
        "intelligence/choose_provider.html", query=query, matches=matches, missing=missing
    )


@bp.route("/<int:item_id>")
@requires(Permission.BROWSE)
def view_item(item_id: int) -> ResponseReturnValue:
    """One item: marking, grading, risk, attachments and history (each read is audited)."""
    item = services.readable_item(current_user, item_id)
    if item is None:
        abort(404)
    services.record_read(current_user, item)
    return render_template(
        "intelligence/item.html",
        item=item,
        grading=services.grading(item.snapshot()),
        audience=services.audience(item.marking, item.source_agency.name),
        sharing_rule=MARKING_SHARING_RULE[Marking(item.marking)],
        themes=services.theme_labels(item.theme_codes),
        recipients=sorted((r.user for r in item.recipients), key=lambda u: u.name),
        provider_url=services.provider_url(item.provider_id),
        can_edit=can_edit_item(current_user, item),
        withdrawn_by=services.withdrawn_by(item),
        risk_explanation=EXPLANATION,
    )


@bp.route("/<int:item_id>/revisions/<int:number>")
@requires(Permission.BROWSE)
def view_revision(item_id: int, number: int) -> ResponseReturnValue:
    """One earlier (or the current) revision, for whoever may read the item now."""
    view = services.revision_view(current_user, item_id, number)
    if view is None:
        abort(404)
    services.record_read(current_user, view.item, revision=number)
    return render_template(
        "intelligence/revision.html",
        view=view,
        audience=services.audience(view.content["marking"], view.item.source_agency.name),
        provider_url=services.provider_url(view.provider.id) if view.provider else None,
    )


@bp.route("/<int:item_id>/attachments/<int:attachment_id>")
@requires(Permission.BROWSE)
def download_attachment(item_id: int, attachment_id: int) -> ResponseReturnValue:
    """An attachment, as a download only, for users who may read its item."""
    attachment = services.readable_attachment(current_user, item_id, attachment_id)
    if attachment is None:
        abort(404)
    content = services.record_download(current_user, attachment)
    return Response(content, headers=download_headers(attachment))


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@requires(Permission.LOG_INTELLIGENCE)
def edit_item(item_id: int) -> ResponseReturnValue:
    """Change an item: a new revision; earlier ones stay readable."""
    item, allowed = services.editable_item(current_user, item_id, request.method == "POST")
    if item is None:
        abort(404)
    if not allowed:
        abort(403)
    if item.status is ItemStatus.WITHDRAWN:
        flash("This item has been withdrawn, so it can no longer be changed.", "info")
        return redirect(url_for(".view_item", item_id=item.id))
    form = ItemForm()
    if request.method == "POST":
        uploads = _uploads()
        data = form.submitted_data() | {"provider_id": item.provider_id}
        try:
            fields = validate_item(data, current_user, uploads, recipients_by_id=True)
        except ValidationFailed as refused:
            form.show_errors(refused.errors)
        else:
            changed = services.edit_item(item, current_user, fields, form.reason.data or "")
            flash("Changes saved" if changed else "You did not change anything", "success")
            return redirect(url_for(".view_item", item_id=item.id))
        return _render_form(form, item.provider, item, [u.filename for u in uploads])
    form.fill_from(item)
    return _render_form(form, item.provider, item)


@bp.route("/<int:item_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.LOG_INTELLIGENCE)
def withdraw_item(item_id: int) -> ResponseReturnValue:
    """Withdraw an item, with a reason; it stays, labelled "Withdrawn"."""
    item, allowed = services.editable_item(current_user, item_id, request.method == "POST")
    if item is None:
        abort(404)
    if not allowed:
        abort(403)
    if item.status is ItemStatus.WITHDRAWN:
        flash("This item has already been withdrawn.", "info")
        return redirect(url_for(".view_item", item_id=item.id))
    form = WithdrawForm()
    if request.method == "POST":
        try:
            reason = services.check_withdrawal_reason(form.reason.data)
        except ValidationFailed as refused:
            form.reason.errors = [refused.errors["reason"]]
        else:
            services.withdraw_item(item, current_user, reason)
            flash("Item withdrawn", "success")
            return redirect(url_for(".view_item", item_id=item.id))
    return render_template("intelligence/withdraw.html", form=form, item=item)


def _list_page(mine: bool) -> ResponseReturnValue:
    filters = lists.read_filters(request.args)
    form = ListFilterForm(formdata=request.args, agencies=lists.agency_choices())
    form.show_errors(filters.errors)
    per_page = int(current_app.config["PORTAL"]["page_size"])
    result = lists.list_items(current_user, filters, page_number(request.args), per_page, mine)
    endpoint = ".my_agency_items" if mine else ".list_items"
    args = lists.query_args(filters)
    return render_template(
        "intelligence/list.html",
        mine=mine,
        form=form,
        filters=filters,
        filter_provider=lists.filter_provider(filters),
        result=result,
        page_url=lambda n: url_for(endpoint, page=n, **args),
        clear_url=url_for(endpoint),
    )


@bp.route("")
@requires(Permission.BROWSE)
def list_items() -> ResponseReturnValue:
    """Items I can read, filtered and paged."""
    return _list_page(mine=False)


@bp.route("/mine")
@requires(Permission.BROWSE)
def my_agency_items() -> ResponseReturnValue:
    """My agency's items that I can read, filtered and paged."""
    return _list_page(mine=True)
