"""The home page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.main import bp
from portal.main.services import newest_readable_items
from portal.policy import Permission, public, requires
from portal.views import page_number


@bp.route("/")
@requires(Permission.BROWSE)
def home():  # noqa: ANN201
    """The newest intelligence the user may read."""
    per_page = int(current_app.config["PORTAL"]["page_size"])
    result = newest_readable_items(current_user, page_number(request.args), per_page)
    return render_template(
        "home.html",
        items=result.items,
        total=result.total,
        page=result.page,
        pages=result.pages,
        page_url=lambda n: url_for("main.home", page=n),
    )


@bp.route("/healthz")
@public
def health():  # noqa: ANN201
    """For load balancers: the app answers and the database is reachable."""
    db.session.execute(sa.text("SELECT 1"))
    return jsonify({"status": "ok"})
