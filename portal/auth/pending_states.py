"""Single sign-ons begun and not finished: only the newest few are kept in the cookie.

Authlib keeps each start's state, nonce and PKCE verifier in the session cookie (about 190
bytes) until its callback, or for an hour. Starts that are abandoned (the person closed the
provider's tab, pressed Back, tried twice) would pile up until the cookie passes the 4 KB a
browser keeps, and then neither single sign-on nor a password could sign anyone in.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

#: How many unfinished single sign-ons one browser keeps (one per open tab, in practice).
KEPT = 3
#: Authlib's session key for a pending start: "_state_" + client name + "_" + state.
PREFIX = "_state_"


def _expiry(value: Any) -> float:
    exp = value.get("exp") if isinstance(value, dict) else None
    return float(exp) if isinstance(exp, int | float) else 0.0


def keep_newest(session: MutableMapping[str, Any], kept: int = KEPT) -> int:
    """Forget all but the `kept` newest pending starts; the number forgotten."""
    pending = sorted(
        (key for key in session if key.startswith(PREFIX)),
        key=lambda key: _expiry(session[key]),
        reverse=True,
    )
    for key in pending[kept:]:
        session.pop(key, None)
    return max(0, len(pending) - kept)
