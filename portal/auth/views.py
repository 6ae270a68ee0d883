"""Sign-in pages: password, second factor, single sign-on, sign-out."""

from __future__ import annotations

from flask import (
    Request,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import audit
from portal.api.auth import api_caller, is_api_request, unauthorised
from portal.auth import (
    account,  # noqa: F401  (a person's own pages: on this blueprint too)
    limits,
    second_factor,
    sessions,
    sso,
    sso_claims,
    sso_logout,
)
from portal.auth.blueprint import bp
from portal.auth.forms import CodeForm, SecondFactorForm, SignInForm, SingleSignOnForm
from portal.auth.lockout import is_locked, locked_message, record_failure
from portal.auth.services import SIGN_IN_FAILED, check_sign_in, safe_next_url
from portal.extensions import db, limiter, login_manager
from portal.inputs import parse_id
from portal.models import IdentityProvider, User
from portal.policy import public
from portal.refusals import record_refusal
from portal.unit_of_work import commit_refused_sign_in

#: Where to go after a single sign-on, kept while the browser is at the provider.
SSO_NEXT_KEY = "sso_next"
IDLE_MESSAGE = "You were signed out because you had not used the portal for a while."
LIFETIME_MESSAGE = "You were signed out because your session reached its time limit."


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user from the session cookie; deactivated users are signed out.

    Under /api the session cookie opens nothing: only a bearer token says who calls.
    """
    if is_api_request():
        return None
    user = _active_user(user_id)
    return user if user is not None and sessions.generation_matches(user) else None


def _active_user(user_id: object) -> User | None:
    number = parse_id(user_id)
    user = db.session.get(User, number) if number is not None else None
    return user if user is not None and user.active and user.agency.active else None


@login_manager.request_loader
def load_api_user(req: Request) -> User | None:
    """API calls authenticate with a bearer token instead of the session cookie."""
    return api_caller() if is_api_request() else None


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    """Pages send people to sign in; the API answers 401."""
    if is_api_request():
        return unauthorised()
    record_refusal(401)  # the page's refusal is a redirect to sign in
    flash("Sign in to see this page.", "info")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


@bp.before_app_request
def end_expired_sessions() -> ResponseReturnValue | None:
    """An idle or too old session ends here, before any page is answered; a session that was
    signed out (a copy of its cookie played back) is refused here on every request."""
    if is_api_request() or request.path.startswith("/static/") or not current_user.is_authenticated:
        return None
    if sessions.ended_on_server(current_user):
        sessions.end()
        return None  # the page now answers someone not signed in
    reason = sessions.expiry_reason()
    if reason is None:
        return None
    sessions.end(reason)
    flash(IDLE_MESSAGE if reason == "idle" else LIFETIME_MESSAGE, "info")
    return redirect(url_for("auth.sign_in"))


def _sso_form() -> SingleSignOnForm:
    form = SingleSignOnForm(prefix="sso")
    form.agency.choices = [("", "Choose your organisation")] + [
        (p.agency.code, f"{p.agency.name} ({p.name})") for p in sso.enabled_providers()
    ]
    return form


def _render_sign_in(form: SignInForm, error: str | None = None) -> ResponseReturnValue:
    sso_form = _sso_form()
    offered = bool(sso.enabled_providers())
    return render_template(
        "auth/sign_in.html",
        form=form,
        sign_in_error=error,
        sso_form=sso_form if offered else None,
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(limits.sign_in, methods=["POST"])
@public
def sign_in() -> ResponseReturnValue:
    """Sign in with an email address and password; then the second factor."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if not form.validate_on_submit():
        return _render_sign_in(form)
    check = check_sign_in(form.email.data or "", form.password.data or "")
    if check.user is None:
        commit_refused_sign_in()
        return _render_sign_in(form, locked_message() if check.locked else SIGN_IN_FAILED)
    sessions.begin_pending(check.user, safe_next_url(request.args.get("next")))
    if second_factor.needs_enrolment(check.user):
        return redirect(url_for("auth.set_up_second_factor"))
    return redirect(url_for("auth.second_factor_check"))


def _finish(
    user: User,
    method: str,
    next_url: str | None,
    details: dict[str, str] | None = None,
    identity_provider_id: int | None = None,
    id_token: str | None = None,
) -> ResponseReturnValue:
    sessions.start(user, method, details, identity_provider_id, id_token)
    return redirect(next_url or url_for("main.home"))


def _pending_or_restart() -> tuple[sessions.PendingSignIn, User] | None:
    found = sessions.pending(_active_user)
    if found is None:
        flash("Sign in again: the sign-in had expired.", "info")
    return found


@bp.route("/sign-in/second-factor/set-up", methods=["GET", "POST"])
@limiter.limit(limits.second_factor, methods=["POST"])
@public
def set_up_second_factor() -> ResponseReturnValue:
    """First sign-in of a local account: enrol an authenticator app, get recovery codes."""
    found = _pending_or_restart()
    if found is None:
        return redirect(url_for("auth.sign_in"))
    pending, user = found
    if not second_factor.needs_enrolment(user):
        return redirect(url_for("auth.second_factor_check"))
    secret = second_factor.begin_enrolment(user)
    form = CodeForm()
    if form.validate_on_submit():
        codes = second_factor.confirm_enrolment(user, form.code.data or "")
        if codes is not None:
            audit.record("second-factor-enrolled", user=user, object_type="user", object_id=user.id)
            sessions.start(
                user, f"{pending.first_factor}+totp", pending.details, pending.identity_provider_id
            )
            return render_template(
                "auth/recovery_codes.html", codes=codes, next_url=pending.next_url
            )
        _wrong_code(user, "wrong code at enrolment")
        if is_locked(user.email):
            return _locked_out()
        form.code.errors = ["The code is not right. Enter the code your app shows now"]
    uri = second_factor.provisioning_uri(user, secret)
    return render_template(
        "auth/set_up_second_factor.html",
        form=form,
        qr_code=second_factor.qr_code_svg(uri),
        secret=second_factor.grouped(secret),
    )


def _wrong_code(user: User, reason: str) -> None:
    audit.record(
        "second-factor-failed", user=user, object_type="user", object_id=user.id, reason=reason
    )
    record_failure(user.email)
    commit_refused_sign_in()


def _locked_out() -> ResponseReturnValue:
    sessions.clear_pending()
    return _render_sign_in(SignInForm(formdata=None), locked_message())


@bp.route("/sign-in/second-factor", methods=["GET", "POST"])
@limiter.limit(limits.second_factor, methods=["POST"])
@public
def second_factor_check() -> ResponseReturnValue:
    """The second step of a local sign-in: a code from the app, or a recovery code."""
    found = _pending_or_restart()
    if found is None:
        return redirect(url_for("auth.sign_in"))
    pending, user = found
    if second_factor.needs_enrolment(user):
        return redirect(url_for("auth.set_up_second_factor"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if is_locked(user.email):
            return _locked_out()
        if second_factor.verify_code(user, code):
            return _finish(
                user,
                f"{pending.first_factor}+totp",
                pending.next_url,
                pending.details,
                pending.identity_provider_id,
            )
        if second_factor.use_recovery_code(user, code):
            left = second_factor.recovery_codes_left(user)
            audit.record(
                "recovery-code-used", user=user, object_type="user", object_id=user.id, left=left
            )
            flash(f"You used a recovery code. You have {left} left.", "info")
            return _finish(
                user,
                f"{pending.first_factor}+recovery-code",
                pending.next_url,
                pending.details,
                pending.identity_provider_id,
            )
        _wrong_code(user, "wrong code")
        if is_locked(user.email):
            return _locked_out()
        form.code.errors = ["The code is not right. Enter the code your app shows now"]
    return render_template("auth/second_factor.html", form=form)


@bp.route("/sign-in/sso", methods=["POST"])
@limiter.limit(limits.sign_in)
@public
def choose_single_sign_on() -> ResponseReturnValue:
    """Find the agency's identity provider from the choice or the e-mail address."""
    form = _sso_form()
    if not form.validate_on_submit():
        return _render_sign_in(SignInForm(formdata=None))
    next_url = safe_next_url(request.args.get("next"))
    if form.agency.data:
        idp = sso.provider_for_agency(form.agency.data)
        if idp is not None:
            return redirect(
                url_for("auth.single_sign_on", agency_code=idp.agency.code, next=next_url), 303
            )
    matches = sso.providers_for_email(form.sso_email.data or "") if form.sso_email.data else []
    if len(matches) == 1:
        return redirect(
            url_for("auth.single_sign_on", agency_code=matches[0].agency.code, next=next_url), 303
        )
    if len(matches) > 1:
        form.agency.errors = ["Several organisations use that email address: choose yours"]
    elif form.sso_email.data:
        form.sso_email.errors = [
            "No organisation signs in with that email address here. "
            "Choose your organisation, or sign in with your password"
        ]
    else:
        form.agency.errors = ["Choose your organisation, or enter your work email address"]
    return render_template(
        "auth/sign_in.html", form=SignInForm(formdata=None), sign_in_error=None, sso_form=form
    )


def _sso_failed(idp: IdentityProvider | None, failure: sso.SsoFailure) -> ResponseReturnValue:
    sso.record_failure(idp, failure)
    commit_refused_sign_in()
    return render_template("auth/sso_failed.html", message=failure.message), 400


@bp.route("/sign-in/sso/<agency_code>")
@limiter.limit(limits.token)
@public
def single_sign_on(agency_code: str) -> ResponseReturnValue:
    """Send the browser on to the agency's identity provider.

    A page that moves on by itself (and offers a link), not a redirect: Chromium checks a
    form's `form-action` on every redirect after it, so the sign-in form's chain must end
    here, on this site; the page's own navigation to the provider is no form submission.
    """
    idp = sso.provider_for_agency(agency_code[:20])
    if idp is None:
        return _sso_failed(None, sso.SsoFailure("no identity provider", sso.NO_PROVIDER))
    session[SSO_NEXT_KEY] = safe_next_url(request.args.get("next"))
    try:
        url = sso.begin(
            idp, url_for("auth.sso_callback", agency_code=idp.agency.code, _external=True)
        )
    except sso.SsoFailure as failure:
        return _sso_failed(idp, failure)
    return render_template(
        "auth/continue_to_provider.html", url=url, provider=idp.name, signing_out=False
    )


@bp.route("/sign-in/sso/<agency_code>/callback")
@limiter.limit(limits.token)
@public
def sso_callback(agency_code: str) -> ResponseReturnValue:
    """The identity provider's answer: verify it, find the account, sign in."""
    idp = sso.provider_for_agency(agency_code[:20])
    if idp is None:
        return _sso_failed(None, sso.SsoFailure("no identity provider", sso.NO_PROVIDER))
    try:
        signed = sso.complete(idp)
    except sso.SsoFailure as failure:
        db.session.rollback()
        return _sso_failed(idp, failure)
    next_url = session.pop(SSO_NEXT_KEY, None)
    details = sso_claims.audit_details(signed.claims)
    if sso_claims.needs_portal_second_factor(idp, signed.claims):
        return _portal_second_factor(idp, signed.user, next_url, details)
    return _finish(signed.user, "sso", next_url, details, idp.id, signed.id_token)


def _portal_second_factor(
    idp: IdentityProvider, user: User, next_url: str | None, details: dict[str, str]
) -> ResponseReturnValue:
    """The agency asks for more than a password and its provider did not say it used more."""
    # The ID token is not kept for the second step: signing out later still goes to the
    # provider's end-session endpoint (client_id and the post-logout address, no hint).
    sessions.begin_pending(user, next_url, "sso", details, idp.id)
    flash(
        f"{idp.name} did not say it checked more than your password, so the portal asks "
        "for its own second factor as well.",
        "info",
    )
    if second_factor.needs_enrolment(user):
        return redirect(url_for("auth.set_up_second_factor"))
    return redirect(url_for("auth.second_factor_check"))


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> ResponseReturnValue:
    """Sign out (POST only, so a link elsewhere cannot sign anyone out); after a single
    sign-on, at the identity provider too, on a page that moves on by itself."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    audit.record("sign-out")
    ended = sessions.end()
    at_provider = ended and sso_logout.end_session_url(
        ended.identity_provider_id, ended.id_token, url_for("auth.sign_in", _external=True)
    )
    if not at_provider:
        flash("You have signed out.", "info")
        return redirect(url_for("auth.sign_in"))
    idp, url = at_provider
    return render_template(
        "auth/continue_to_provider.html", url=url, provider=idp.name, signing_out=True
    )
