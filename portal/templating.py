"""Jinja filters and context shared by every template."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from portal.policy import Permission, has_permission


def govuk_date(value: date | datetime | None) -> str:
    """A date as GOV.UK writes it: 3 March 2026."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None) -> str:
    """A timestamp as GOV.UK writes it: 3 March 2026 at 2:05pm (UTC)."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    return f"{govuk_date(value)} at {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"


def optional_url(endpoint: str, **values: Any) -> str | None:
    """The URL of an endpoint, or None while that part of the portal is not there."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


#: (text, endpoint, permission) for the service navigation, in order.
NAVIGATION: list[tuple[str, str, Permission]] = [
    ("Home", "main.home", Permission.BROWSE),
    ("Providers", "providers.list_providers", Permission.BROWSE),
    ("Intelligence", "intelligence.list_items", Permission.BROWSE),
    ("Log intelligence", "intelligence.new_item", Permission.LOG_INTELLIGENCE),
    ("Search", "search.search", Permission.BROWSE),
    ("Administration", "admin.index", Permission.ADMINISTER),
    ("Meetings", "meetings.list_meetings", Permission.ATTEND_MEETINGS),
    ("Actions", "meetings.list_actions", Permission.ATTEND_MEETINGS),
]


def main_navigation() -> list[dict[str, Any]]:
    """The navigation links the signed-in user may follow."""
    if not current_user.is_authenticated:
        return []
    return [
        {"text": text, "href": url_for(endpoint), "active": request.endpoint == endpoint}
        for text, endpoint, permission in NAVIGATION
        if has_permission(current_user, permission)
    ]


def register(app: Flask) -> None:
    """Install the filters, the optional_url global and the context processor."""
    app.add_template_filter(govuk_date)
    app.add_template_filter(govuk_datetime)
    app.add_template_global(optional_url)

    @app.context_processor
    def navigation() -> dict[str, Any]:
        return {
            "main_navigation": main_navigation(),
            "service_name": app.config["PORTAL"]["service_name"],
        }
