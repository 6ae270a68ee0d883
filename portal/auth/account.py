"""A person's own account: second factor, sessions, API tokens; and set-up links."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.admin import services as admin_services
from portal.auth import invitations, limits, second_factor, sessions
from portal.auth.blueprint import bp
from portal.auth.forms import SetPasswordForm
from portal.extensions import limiter
from portal.models import User
from portal.policy import Permission, public, requires


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.route("/account")
@requires(Permission.BROWSE)
def account() -> ResponseReturnValue:
    """How I sign in, my second factor, my API tokens."""
    user = _me()
    return render_template(
        "auth/account.html",
        user=user,
        method=session.get("method"),
        enrolled=not second_factor.needs_enrolment(user),
        codes_left=second_factor.recovery_codes_left(user),
        tokens=admin_services.tokens_of(user),
    )


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@requires(Permission.BROWSE)
def sign_out_everywhere() -> ResponseReturnValue:
    """End every session of mine, on every device, this one included."""
    sessions.sign_out_everywhere(_me())
    sessions.end()
    flash("You have been signed out on every device. Sign in again to go on.", "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@limiter.limit(limits.token)
@requires(Permission.BROWSE)
def revoke_my_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of my own API tokens."""
    token = admin_services.token_of(_me(), token_id)
    if token is None:
        abort(404)
    admin_services.revoke_token(token)
    flash(f"Token {token.prefix}… revoked. Systems using it can no longer call the API.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/set-up/<token>", methods=["GET", "POST"])
@limiter.limit(limits.sign_in, methods=["POST"])
@public
def set_up_account(token: str) -> ResponseReturnValue:
    """An invited person chooses their password from the one-time link."""
    invitation = invitations.live_invitation(token)
    if invitation is None:
        return render_template("auth/set_up_expired.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            invitations.accept(invitation, form.password.data or "")
        except invitations.InvitationError as exc:
            form.password.errors = [str(exc)]
        else:
            sessions.end()
            flash("Your password is set. Sign in, then set up your authenticator app.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_up_account.html", form=form, user=invitation.user)
