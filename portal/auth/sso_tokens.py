"""The ID token and token endpoint checks, pinned rather than read from the provider.

Authlib's Flask client runs the flow; this client class (given to `oauth.register` as
`client_cls`) replaces its ID token parsing, which takes the signing algorithms from the
discovery document (so `none` there lets an unsigned token in) and checks `aud` only
through `azp`. Here the algorithms are fixed, `aud` must contain the portal's client id,
and `iss`, `sub`, `exp`, `iat` and the nonce are required.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.oidc.core import CodeIDToken, UserInfo
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from portal.models import IdentityProvider, TokenAuthMethod

#: The only algorithms an ID token may be signed with, whatever discovery lists.
SIGNING_ALGORITHMS = ["RS256", "PS256", "ES256"]
#: Clock skew allowed on `exp`, `iat` and `nbf`, in seconds.
LEEWAY_SECONDS = 60


class PortalOpenIdClient(FlaskOAuth2App):
    """Authlib's Flask client with the portal's ID token checks."""

    OAUTH_APP_CONFIG = None

    def parse_id_token(
        self,
        token: dict[str, Any],
        nonce: str,
        claims_options: dict[str, Any] | None = None,
        claims_cls: Any = None,
        leeway: int = LEEWAY_SECONDS,
    ) -> UserInfo | None:
        """The verified claims of the token response's ID token."""
        if "id_token" not in token:
            return None
        metadata = self.load_server_metadata()
        registry = JWSRegistry(algorithms=SIGNING_ALGORITHMS, strict_check_header=False)
        try:
            keys = KeySet.import_key_set(self.fetch_jwk_set())
            decoded = jwt.decode(token["id_token"], key=keys, registry=registry)
        except InvalidKeyIdError:
            # A key the portal has not seen: the provider has rotated its keys.
            keys = KeySet.import_key_set(self.fetch_jwk_set(force=True))
            decoded = jwt.decode(token["id_token"], key=keys, registry=registry)
        options = {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": self.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        }
        params = {"nonce": nonce, "client_id": self.client_id}
        if "access_token" in token:
            params["access_token"] = token["access_token"]
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(leeway=LEEWAY_SECONDS)
        return UserInfo(claims)


def token_endpoint_auth_method(idp: IdentityProvider, metadata: dict[str, Any]) -> str:
    """How to authenticate at the token endpoint: the agency's choice, else discovery's.

    OpenID Connect Discovery's default is client_secret_basic; a provider that lists only
    client_secret_post gets that.
    """
    if idp.token_auth_method != TokenAuthMethod.AUTO:
        return str(idp.token_auth_method)
    offered = metadata.get("token_endpoint_auth_methods_supported")
    if isinstance(offered, list) and offered:
        if TokenAuthMethod.CLIENT_SECRET_BASIC.value in offered:
            return TokenAuthMethod.CLIENT_SECRET_BASIC.value
        if TokenAuthMethod.CLIENT_SECRET_POST.value in offered:
            return TokenAuthMethod.CLIENT_SECRET_POST.value
    return TokenAuthMethod.CLIENT_SECRET_BASIC.value
