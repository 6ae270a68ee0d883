"""Typed audit events: each action declares the keys it carries; a wrong key is an error."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent, User

#: action -> the data keys it may carry. Add an action here before recording it.
EVENTS: dict[str, frozenset[str]] = {
    "sign-in": frozenset({"method", "amr", "acr"}),
    "sign-in-failed": frozenset({"email", "reason"}),
    "sign-out": frozenset(),
    "session-ended": frozenset({"reason"}),
    "signed-out-everywhere": frozenset(),
    "second-factor-enrolled": frozenset(),
    "second-factor-failed": frozenset({"reason"}),
    "second-factor-reset": frozenset(),
    "recovery-code-used": frozenset({"left"}),
    "sso-failed": frozenset({"agency", "reason", "email"}),
    "identity-linked": frozenset({"issuer"}),
    "identity-provider-changed": frozenset({"changes"}),
    "invitation-issued": frozenset({"email"}),
    "password-set": frozenset({"via"}),
    "access-refused": frozenset({"route", "method", "status", "ids"}),
    "access-refused-limited": frozenset({"limit"}),
    "intelligence-read": frozenset({"revision"}),
    "intelligence-logged": frozenset({"marking", "attachments", "via"}),
    "intelligence-edited": frozenset({"revision", "marking", "attachments"}),
    "intelligence-withdrawn": frozenset({"reason"}),
    "attachment-downloaded": frozenset({"item_id", "sha256"}),
    "search": frozenset({"query", "filters", "total"}),
    "pack-built": frozenset({"version", "sha256", "via"}),
    "pack-downloaded": frozenset({"version", "format", "via"}),
    "meeting-created": frozenset({"held_on", "agencies", "via"}),
    "agenda-changed": frozenset({"change", "provider_id"}),
    "minutes-changed": frozenset({"what"}),
    "minutes-approved": frozenset({"sha256"}),
    "minutes-downloaded": frozenset({"sha256"}),
    "action-updated": frozenset({"status"}),
    "export": frozenset({"what", "rows"}),
    "agency-created": frozenset({"code", "via"}),
    "user-created": frozenset({"email", "role", "via"}),
    "user-changed": frozenset({"changes"}),
    "token-created": frozenset({"prefix", "via"}),
    "token-revoked": frozenset({"prefix"}),
    "provider-created": frozenset({"via"}),
    "provider-changed": frozenset({"changes", "via"}),
    "providers-imported": frozenset({"created", "updated", "unchanged", "skipped", "file"}),
    "concern-started": frozenset({"provider_id", "decision_id", "meeting_id", "occurred_on"}),
    "concern-stage-recorded": frozenset({"stage", "occurred_on", "meeting_id"}),
    "embargo-placed": frozenset({"provider_id", "starts_on", "ends_on"}),
    "embargo-lifted": frozenset({"provider_id", "lifted_on"}),
    "embargo-notices-recorded": frozenset({"boroughs", "notified_on", "about_lifting"}),
    "embargo-notice-printed": frozenset({"format", "about_lifting"}),
    "care-monitoring-imported": frozenset(
        {"imported", "updated", "unchanged", "skipped", "file", "mapping", "marking", "agency"}
    ),
    "contract-visit-recorded": frozenset({"marking", "not_met", "via"}),
    "contract-visit-read": frozenset(),
    "contract-visit-report-downloaded": frozenset(),
    "audit-exported": frozenset({"date_from", "date_to", "rows", "via"}),
    "mail-sent": frozenset({"kind", "to", "attempts"}),
    "mail-failed": frozenset({"kind", "to", "attempts", "error"}),
    "mail-cancelled": frozenset({"kind", "to", "attempts"}),
    "mail-preferences-changed": frozenset({"changes"}),
}

#: action -> the data keys an administrator sees on the audit page and in its CSV. An allow-list:
#: who did what, when, from where, to which object (ids, versions, dates, "via", hashes, kinds
#: of change). Never what was searched, found or read: no search text or filters, no counts of
#: intelligence, no titles, file names, markings or free-text reasons. An action or key not
#: listed here is not shown; the server's operator reads everything with `portal audit export`.
SHOWN: dict[str, frozenset[str]] = {
    "sign-in": frozenset({"method", "amr", "acr"}),
    "sign-in-failed": frozenset({"email", "reason"}),
    "session-ended": frozenset({"reason"}),
    "second-factor-failed": frozenset({"reason"}),
    "recovery-code-used": frozenset({"left"}),
    "sso-failed": frozenset({"agency", "reason", "email"}),
    "identity-linked": frozenset({"issuer"}),
    "identity-provider-changed": frozenset({"changes"}),
    "invitation-issued": frozenset({"email"}),
    "password-set": frozenset({"via"}),
    "access-refused": frozenset({"route", "method", "status", "ids"}),
    "access-refused-limited": frozenset({"limit"}),
    "intelligence-read": frozenset({"revision"}),
    "intelligence-logged": frozenset({"via"}),
    "intelligence-edited": frozenset({"revision"}),
    "attachment-downloaded": frozenset({"item_id", "sha256"}),
    "pack-built": frozenset({"version", "sha256", "via"}),
    "pack-downloaded": frozenset({"version", "format", "via"}),
    "meeting-created": frozenset({"held_on", "agencies", "via"}),
    "agenda-changed": frozenset({"change", "provider_id"}),
    "minutes-changed": frozenset({"what"}),
    "minutes-approved": frozenset({"sha256"}),
    "minutes-downloaded": frozenset({"sha256"}),
    "action-updated": frozenset({"status"}),
    "export": frozenset({"what"}),
    "agency-created": frozenset({"code", "via"}),
    "user-created": frozenset({"email", "role", "via"}),
    "user-changed": frozenset({"changes"}),
    "token-created": frozenset({"prefix", "via"}),
    "token-revoked": frozenset({"prefix"}),
    "provider-created": frozenset({"via"}),
    "provider-changed": frozenset({"via"}),
    "concern-started": frozenset({"provider_id", "decision_id", "meeting_id", "occurred_on"}),
    "concern-stage-recorded": frozenset({"stage", "occurred_on", "meeting_id"}),
    "embargo-placed": frozenset({"provider_id", "starts_on", "ends_on"}),
    "embargo-lifted": frozenset({"provider_id", "lifted_on"}),
    "embargo-notices-recorded": frozenset({"boroughs", "notified_on", "about_lifting"}),
    "embargo-notice-printed": frozenset({"format", "about_lifting"}),
    "care-monitoring-imported": frozenset({"mapping", "agency"}),
    "contract-visit-recorded": frozenset({"via"}),
    "audit-exported": frozenset({"date_from", "date_to", "via"}),
    "mail-sent": frozenset({"kind", "to", "attempts"}),
    "mail-failed": frozenset({"kind", "attempts"}),
    "mail-cancelled": frozenset({"kind"}),
    "mail-preferences-changed": frozenset({"changes"}),
}


def shown_data(action: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The part of an event's data an administrator may see (SHOWN), in key order."""
    allowed = SHOWN.get(action, frozenset())
    return {key: (data or {})[key] for key in sorted(allowed & set(data or {}))}


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
