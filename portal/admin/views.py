"""Administration pages: thin views over portal.admin.services and portal.admin.audit_trail."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import audit
from portal.admin import audit_trail, services
from portal.admin.forms import (
    AgencyForm,
    AuditFilterForm,
    ButtonForm,
    IdentityProviderForm,
    InviteUserForm,
    RoleForm,
    UserFilterForm,
)
from portal.auth import limits, second_factor
from portal.auth.services import AccountError, create_agency
from portal.extensions import db, limiter
from portal.inputs import parse_id
from portal.models import Agency, ApiToken, User
from portal.policy import Permission, requires
from portal.views import page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _per_page() -> int:
    return int(current_app.config["PORTAL"]["page_size"])


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _agency_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(str(a.id), f"{a.name} ({a.code})") for a in services.agencies()]


@bp.route("")
@requires(Permission.ADMINISTER)
def index() -> ResponseReturnValue:
    """What an administrator manages."""
    return render_template("admin/index.html")


@bp.route("/agencies")
@requires(Permission.ADMINISTER)
def agencies() -> ResponseReturnValue:
    """Every agency, with its identity provider."""
    return render_template("admin/agencies.html", agencies=services.agencies())


@bp.route("/agencies/new", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def new_agency() -> ResponseReturnValue:
    """Add a partner agency."""
    form = AgencyForm()
    if form.validate_on_submit():
        try:
            agency = create_agency(form.code.data or "", form.name.data or "", form.kind.data or "")
        except AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = [exc.message]
        else:
            flash(f"{agency.name} ({agency.code}) added.", "success")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_new.html", form=form)


def _agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    return agency


@bp.route("/agencies/<int:agency_id>/identity-provider", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def identity_provider(agency_id: int) -> ResponseReturnValue:
    """Set an agency's OpenID Connect provider."""
    agency = _agency(agency_id)
    form = IdentityProviderForm(obj=agency.identity_provider)
    if form.validate_on_submit():
        settings = services.ProviderSettings(
            name=form.name.data or "",
            issuer=form.issuer.data or "",
            client_id=form.client_id.data or "",
            client_secret_env=form.client_secret_env.data or "",
            email_domains=form.email_domains.data or "",
            enabled=bool(form.enabled.data),
            email_trust=form.email_trust.data or "",
            token_auth_method=form.token_auth_method.data or "",
            require_strong_sign_in=bool(form.require_strong_sign_in.data),
            acr_values=form.acr_values.data or "",
            prompt_login=bool(form.prompt_login.data),
        )
        try:
            services.save_identity_provider(agency, settings)
        except AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = [exc.message]
        else:
            flash(f"Single sign-on for {agency.name} saved.", "success")
            return redirect(url_for("admin.agencies"))
    redirect_uri = url_for("auth.sso_callback", agency_code=agency.code, _external=True)
    return render_template(
        "admin/identity_provider.html", form=form, agency=agency, redirect_uri=redirect_uri
    )


@bp.route("/users")
@requires(Permission.ADMINISTER)
def users() -> ResponseReturnValue:
    """Users, searchable and filtered by agency."""
    form = UserFilterForm(request.args)
    form.agency.choices = _agency_choices("Any agency")
    form.validate()
    filters = services.UserFilters(
        agency_id=parse_id(form.agency.data), q="" if form.q.errors else (form.q.data or "").strip()
    )
    page = services.users(filters, page_number(request.args), _per_page())
    args: dict[str, Any] = {"q": filters.q, "agency": filters.agency_id or ""}
    return render_template(
        "admin/users.html",
        form=form,
        page=page,
        page_url=lambda n: url_for("admin.users", page=n, **{k: v for k, v in args.items() if v}),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def invite_user() -> ResponseReturnValue:
    """Add a user; they set their password from a one-time link the administrator sends."""
    form = InviteUserForm()
    form.agency.choices = [("", "Choose an agency")] + [
        (a.code, f"{a.name} ({a.code})") for a in services.agencies()
    ]
    if form.validate_on_submit():
        try:
            user, _token = services.invite_user(
                _me(),
                form.email.data or "",
                form.name.data or "",
                form.agency.data or "",
                form.role.data or "",
            )
        except AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = [exc.message]
        else:
            return _link_sent(user)
    return render_template("admin/user_new.html", form=form)


def _link_sent(user: User) -> ResponseReturnValue:
    """The link is e-mailed to the user (portal.mail.triggers.set_up_link), never shown here."""
    days = int(current_app.config["PORTAL"]["invitation_days"])
    return render_template("admin/set_up_link.html", user=user, days=days)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_page(
    user: User, role_form: RoleForm | None = None, error: str | None = None
) -> ResponseReturnValue:
    role_form = role_form or RoleForm(formdata=None, role=str(user.role))
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form,
        button=ButtonForm(),
        error=error,
        is_me=user.id == _me().id,
        enrolled=not second_factor.needs_enrolment(user),
        tokens=services.tokens_of(user),
    ), (400 if error or role_form.errors else 200)


@bp.route("/users/<int:user_id>")
@requires(Permission.ADMINISTER)
def user(user_id: int) -> ResponseReturnValue:
    """One user: role, status, second factor, tokens, and what can be done."""
    return _user_page(_user(user_id))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@requires(Permission.ADMINISTER)
def change_role(user_id: int) -> ResponseReturnValue:
    """Give a user another role."""
    user = _user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _user_page(user, form)
    try:
        services.change_role(_me(), user, form.role.data or "")
    except AccountError as exc:
        db.session.rollback()
        form.role.errors = [exc.message]
        return _user_page(user, form)
    flash(f"{user.name} is now a {user.role}.", "success")
    return redirect(url_for("admin.user", user_id=user.id))


def _button_action(user_id: int, action: str) -> ResponseReturnValue:
    user = _user(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        if action == "deactivate":
            services.set_active(_me(), user, False)
            message = f"{user.name}'s account is deactivated and signed out everywhere."
        elif action == "reactivate":
            services.set_active(_me(), user, True)
            message = f"{user.name}'s account is active again."
        else:
            services.reset_second_factor(_me(), user)
            message = (
                f"{user.name} will set up an authenticator app at their next sign-in. "
                f"We have e-mailed them to say so at {user.email}."
            )
    except AccountError as exc:
        db.session.rollback()
        return _user_page(user, error=exc.message)
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@requires(Permission.ADMINISTER)
def deactivate_user(user_id: int) -> ResponseReturnValue:
    """Deactivate an account (not one's own)."""
    return _button_action(user_id, "deactivate")


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@requires(Permission.ADMINISTER)
def reactivate_user(user_id: int) -> ResponseReturnValue:
    """Reactivate an account."""
    return _button_action(user_id, "reactivate")


@bp.route("/users/<int:user_id>/reset-second-factor", methods=["POST"])
@requires(Permission.ADMINISTER)
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    """Remove a user's authenticator app (lost phone): they enrol again."""
    return _button_action(user_id, "reset")


@bp.route("/users/<int:user_id>/set-up-link", methods=["POST"])
@requires(Permission.ADMINISTER)
def set_up_link(user_id: int) -> ResponseReturnValue:
    """A new one-time link with which the user sets (or resets) their password."""
    user = _user(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.new_set_up_link(_me(), user)
    except AccountError as exc:
        db.session.rollback()
        return _user_page(user, error=exc.message)
    return _link_sent(user)


@bp.route("/tokens")
@requires(Permission.ADMINISTER)
def tokens() -> ResponseReturnValue:
    """Every API token, with its owner and last use."""
    page = services.all_tokens(page_number(request.args), _per_page())
    return render_template(
        "admin/tokens.html",
        page=page,
        button=ButtonForm(),
        page_url=lambda n: url_for("admin.tokens", page=n),
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@limiter.limit(limits.token)
@requires(Permission.ADMINISTER)
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke any user's API token."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.revoke_token(token)
    flash(f"Token {token.prefix}… revoked.", "success")
    return redirect(url_for("admin.tokens"))


def _audit_filters() -> tuple[AuditFilterForm, audit_trail.AuditFilters]:
    form = AuditFilterForm(request.args)
    form.agency.choices = _agency_choices("Any agency")
    form.action.choices = [("", "Any action")] + [(a, a) for a in audit_trail.actions()]
    form.object_type.choices = [("", "Any kind")] + [(t, t) for t in audit_trail.object_types()]
    form.validate()
    for field in (form.date_from, form.date_to):
        if field.errors:
            field.errors = ["Enter a real date, like 2026-11-01"]
    date_from = None if form.date_from.errors else form.date_from.data
    date_to = None if form.date_to.errors else form.date_to.data
    if date_from and date_to and date_to < date_from:
        form.date_to.errors = ["The end of the period must be on or after its start"]
        date_to = None
    filters = audit_trail.AuditFilters(
        user_email="" if form.user.errors else (form.user.data or "").strip(),
        agency_id=parse_id(form.agency.data),
        action=form.action.data if form.action.data in audit_trail.actions() else "",
        object_type=(form.object_type.data or "")[:50],
        object_id="" if form.object_id.errors else (form.object_id.data or "").strip(),
        date_from=date_from,
        date_to=date_to,
    )
    return form, filters


def _args(filters: audit_trail.AuditFilters) -> dict[str, Any]:
    return dict(filters.query_args())


@bp.route("/audit")
@requires(Permission.ADMINISTER)
def audit_events() -> ResponseReturnValue:
    """The audit trail, filtered and paged, newest first."""
    form, filters = _audit_filters()
    page = audit_trail.events(filters, page_number(request.args), _per_page())
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        export_url=url_for("admin.audit_export", **_args(filters)),
        page_url=lambda n: url_for("admin.audit_events", page=n, **_args(filters)),
    )


@bp.route("/audit.csv")
@requires(Permission.ADMINISTER)
def audit_export() -> ResponseReturnValue:
    """The filtered trail as CSV, streamed."""
    _, filters = _audit_filters()
    audit.record("export", what="audit-trail", rows=audit_trail.count(filters))
    response = Response(stream_with_context(audit_trail.export_lines(filters)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response
