"""The home page (the dashboard; for administrators, the newest readable items) and health."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.extensions import db
from portal.main import services
from portal.main.dashboard import dashboard, shows_dashboard
from portal.main.forms import DashboardFilterForm
from portal.policy import Permission, public, requires
from portal.risk import EXPLANATION
from portal.views import page_number

bp = Blueprint("main", __name__)


@bp.route("/")
@requires(Permission.BROWSE)
def home() -> ResponseReturnValue:
    """The dashboard; administrators, who read only what everyone may, get the newest items."""
    if not shows_dashboard(current_user):
        return newest_items_page()
    form = DashboardFilterForm(request.args)
    page = dashboard(current_user, form, clock.today())
    return render_template("main/dashboard.html", page=page, form=form)


def newest_items_page() -> str:
    """The newest intelligence the user may read, paged."""
    per_page = int(current_app.config["PORTAL"]["page_size"])
    result = services.newest_readable_items(current_user, page_number(request.args), per_page)
    return render_template(
        "home.html",
        items=result.items,
        total=result.total,
        page=result.page,
        pages=result.pages,
        page_url=lambda n: url_for("main.home", page=n),
        risk_explanation=EXPLANATION,
    )


@bp.route("/healthz")
@public
def health() -> ResponseReturnValue:
    """For load balancers: the app answers and the database is reachable."""
    db.session.execute(sa.text("SELECT 1"))
    return jsonify({"status": "ok"})
