"""Sign-in and sign-out pages."""

from __future__ import annotations

from flask import Request, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from portal import audit
from portal.api.auth import bearer_token, unauthorised
from portal.auth import bp
from portal.auth.forms import SignInForm
from portal.auth.services import SIGN_IN_FAILED, authenticate, safe_next_url, user_for_token
from portal.extensions import db, limiter, login_manager
from portal.inputs import parse_id
from portal.models import User
from portal.policy import public


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user from the session cookie; deactivated users are signed out."""
    number = parse_id(user_id)
    user = db.session.get(User, number) if number is not None else None
    return user if user is not None and user.active and user.agency.active else None


@login_manager.request_loader
def load_api_user(req: Request) -> User | None:
    """API calls authenticate with a bearer token instead of the session cookie."""
    if not req.path.startswith("/api/"):
        return None
    token = bearer_token()
    return user_for_token(token) if token else None


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    """Pages send people to sign in; the API answers 401."""
    if request.path.startswith("/api/"):
        return unauthorised()
    flash("Sign in to see this page.", "info")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def _sign_in_limit() -> str:
    return current_app.config["PORTAL"]["sign_in_rate_limit"]


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@public
def sign_in() -> ResponseReturnValue:
    """Sign in with an email address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
        error = SIGN_IN_FAILED
    return render_template("auth/sign_in.html", form=form, sign_in_error=error)


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> ResponseReturnValue:
    """Sign out (POST only, so a link elsewhere cannot sign anyone out)."""
    if current_user.is_authenticated:
        audit.record("sign-out")
        db.session.commit()
        logout_user()
    return redirect(url_for("auth.sign_in"))
