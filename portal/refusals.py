"""Refused access, audited: one `access-refused` event per 401, 403 or 404 on a route.

Where the portal answers a refusal (the error handlers, the sign-in redirect, the API's 401, 403
and 404) it calls `record_refusal(status)`. The event says who (the user, or nobody), the method,
the route as its URL rule pattern (``/meetings/<int:meeting_id>/packs``, never the path with its
query string, which could carry search text), the object from the route's ids and the status.
A 404 for a path no route matches is no refusal and writes nothing.

Each client (the user, else the remote address) writes at most the configured number of events
a minute (``refused_access_audit_per_minute``); beyond it a single ``access-refused-limited``
marker stands for the rest of that minute. The count is kept in the process, not in the rate
limiter's storage: it is a bound on the audit trail's growth, not a security control, so a
worker's own count is enough (N workers write at most N times the limit), it costs no round trip
to Redis on each refusal, and it holds when rate limiting is switched off.

The event commits at once (`commit_refused_access`), as a refused sign-in does: the view's own
work was rolled back when it raised, and an error answering the page cannot undo the record.
"""

from __future__ import annotations

import threading
import time
from enum import Enum
from typing import Any

from flask import current_app, request
from flask_login import current_user

from portal import audit
from portal.unit_of_work import commit_refused_access

#: The statuses that refuse access.
REFUSALS = frozenset({401, 403, 404})
#: Clients counted in one minute at most; past it, a new client's refusals are not written.
MAX_CLIENTS = 10_000
EXTENSION = "portal_refusals"
#: Set on a request's environment once its refusal is counted (once per request).
RECORDED = "portal.refusal_recorded"


class Admission(Enum):
    """What one more refusal of a client writes this minute."""

    RECORD = "record"
    MARK = "mark"  # the first one past the limit: the "access-refused-limited" marker
    DROP = "drop"


class RefusalCounter:
    """Refusals per client in the current minute (a fixed window), safe across threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._minute = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, client: str, minute: int) -> Admission:
        """Count one refusal of the client in the minute and say what it writes."""
        with self._lock:
            if minute != self._minute:
                self._minute, self._counts = minute, {}
            if client not in self._counts and len(self._counts) >= MAX_CLIENTS:
                return Admission.DROP
            count = self._counts.get(client, 0) + 1
            self._counts[client] = count
        if count <= self.limit:
            return Admission.RECORD
        return Admission.MARK if count == self.limit + 1 else Admission.DROP


def current_minute() -> int:
    """The minute refusals are counted in."""
    return int(time.monotonic() // 60)


def counter() -> RefusalCounter:
    """The app's counter, made on first use with the configured limit."""
    found = current_app.extensions.get(EXTENSION)
    if found is None:
        limit = int(current_app.config["PORTAL"].get("refused_access_audit_per_minute", 30))
        found = current_app.extensions.setdefault(EXTENSION, RefusalCounter(limit))
    return found


def client_key() -> str:
    """Who the limit counts by: the signed-in user (or token's user), else the address."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"address:{request.remote_addr or 'unknown'}"


def route_ids() -> dict[str, int]:
    """The route's integer ids (``meeting_id``...); text in a route (a token) is never kept."""
    return {
        name: value
        for name, value in (request.view_args or {}).items()
        if isinstance(value, int) and not isinstance(value, bool)
    }


def record_refusal(status: int) -> None:
    """Audit a refusal of this request once, within the client's limit, and commit it."""
    rule = request.url_rule
    if status not in REFUSALS or rule is None or request.environ.get(RECORDED):
        return
    request.environ[RECORDED] = True
    found = counter()
    admission = found.admit(client_key(), current_minute())
    if admission is Admission.DROP:
        return
    if admission is Admission.MARK:
        audit.record("access-refused-limited", limit=found.limit)
    else:
        ids = route_ids()
        first = next(iter(ids.items()), None)
        data: dict[str, Any] = {"route": rule.rule, "method": request.method, "status": status}
        if len(ids) > 1:
            data["ids"] = ids  # the first is the event's object; the others beside it
        audit.record(
            "access-refused",
            object_type=first[0].removesuffix("_id") if first else None,
            object_id=first[1] if first else None,
            **data,
        )
    commit_refused_access()
