"""Helpers for the concerns and embargo tests: dates as the forms take them, posting forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import csrf_token_from


def date_fields(name: str, day: date | None) -> dict[str, str]:
    """The three boxes of a GOV.UK date input, filled (or left empty for None)."""
    if day is None:
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def post_form(client: FlaskClient, url: str, data: dict[str, Any], token_from: str = "/") -> Any:
    """POST the form with a CSRF token from a page the user may open (every page has one)."""
    token = csrf_token_from(client.get(token_from).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def audit_actions() -> list[str]:
    """The audit actions recorded, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def text_of(html: str) -> str:
    """Visible words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def sign_in_as_another(login_as: Any, role: Any, agency: str = "MERTON") -> Any:
    """Sign in as someone else mid-test.

    The test holds the app context that requests reuse, so Flask-Login's cached user in `g`
    would outlive the switch; it is dropped here.
    """
    user = login_as(role, agency)
    g.pop("_login_user", None)
    return user
