"""Typed audit events: each action declares the keys it carries; a wrong key is an error."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent, User

#: action -> the data keys it may carry. Add an action here before recording it.
EVENTS: dict[str, frozenset[str]] = {
    "sign-in": frozenset({"method"}),
    "sign-in-failed": frozenset({"email", "reason"}),
    "sign-out": frozenset(),
    "access-refused": frozenset({"path", "reason"}),
    "intelligence-read": frozenset({"revision"}),
    "intelligence-logged": frozenset({"marking", "attachments", "via"}),
    "intelligence-edited": frozenset({"revision", "marking", "attachments"}),
    "intelligence-withdrawn": frozenset({"reason"}),
    "attachment-downloaded": frozenset({"item_id", "sha256"}),
    "search": frozenset({"query", "filters", "total"}),
    "pack-built": frozenset({"version"}),
    "pack-downloaded": frozenset({"version"}),
    "export": frozenset({"what", "rows"}),
    "agency-created": frozenset({"code", "via"}),
    "user-created": frozenset({"email", "role", "via"}),
    "user-changed": frozenset({"changes"}),
    "token-created": frozenset({"prefix", "via"}),
    "token-revoked": frozenset({"prefix"}),
    "provider-created": frozenset({"via"}),
    "provider-changed": frozenset({"changes", "via"}),
    "providers-imported": frozenset({"created", "updated", "unchanged", "skipped", "file"}),
    "care-monitoring-imported": frozenset(
        {"imported", "updated", "unchanged", "skipped", "file", "mapping", "marking", "agency"}
    ),
    "contract-visit-recorded": frozenset({"marking", "not_met", "via"}),
    "contract-visit-read": frozenset(),
    "contract-visit-report-downloaded": frozenset(),
}


class UnknownAuditEvent(ValueError):
    """An action or data key not declared in EVENTS."""


def record(
    action: str,
    *,
    user: User | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the work it records."""
    allowed = EVENTS.get(action)
    if allowed is None:
        raise UnknownAuditEvent(f"undeclared audit action {action!r}")
    unknown = set(data) - allowed
    if unknown:
        raise UnknownAuditEvent(f"{action}: undeclared keys {sorted(unknown)}")
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        agency_id=user.agency_id if user is not None else None,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip_address=request.remote_addr if has_request_context() else None,
        data=data,
    )
    db.session.add(event)
    return event
