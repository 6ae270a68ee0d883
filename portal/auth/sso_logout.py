"""Signing out at the agency's identity provider too (OpenID Connect RP-Initiated Logout 1.0).

Ending the portal's own session is not enough after a single sign-on: the provider still
remembers the person, and choosing the organisation again would sign them straight back
in. When the provider publishes an `end_session_endpoint`, the browser is sent there with
the ID token as `id_token_hint` and the portal's sign-in page as `post_logout_redirect_uri`
(which the agency registers beside the redirect URI).
"""

from __future__ import annotations

import requests

from portal.auth import sso
from portal.extensions import db
from portal.models import IdentityProvider


def end_session_url(
    identity_provider_id: int | None, id_token: str | None, post_logout_redirect_uri: str
) -> tuple[IdentityProvider, str] | None:
    """The provider and its end-session URL for this ended session, or None when there is none.

    None too when the provider cannot be asked (unreachable, not set up): the portal's
    session has ended whatever the provider says, so signing out never fails.
    """
    idp = db.session.get(IdentityProvider, identity_provider_id) if identity_provider_id else None
    if idp is None or not idp.enabled:
        return None
    try:
        client = sso._client(idp)
        metadata = sso._metadata(idp, client)
    except sso.SsoFailure:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    try:
        made = client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=idp.client_id,
        )
    except (requests.RequestException, ValueError, RuntimeError):
        return None
    return idp, str(made["url"])
