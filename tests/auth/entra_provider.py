"""A second, independent OpenID provider for the single sign-on tests, shaped like Entra ID.

Written here in Python (Werkzeug serves it on loopback, joserfc signs its tokens), so it
shares nothing with the Node.js `oidc-provider` the other tests use. Each test gets a tenant
of its own, laid out as Entra lays one out:

    issuer                  {base}/{tid}/v2.0
    discovery               {base}/{tid}/v2.0/.well-known/openid-configuration
    authorization endpoint  {base}/{tid}/oauth2/v2.0/authorize
    token endpoint          {base}/{tid}/oauth2/v2.0/token
    keys                    {base}/{tid}/discovery/v2.0/keys

and its ID tokens carry what Entra's do (`ver`, `tid`, `oid`, `preferred_username`, `name`,
`nbf`, `uti`; `email`, `upn` and `xms_edov` where the account has them; never
`email_verified`), signed RS256 with a `kid` from the key set, which the tenant can rotate.
A test turns the tenant's knobs to misbehave: another `aud` or `iss`, times in the past or
future, a bad signature, `alg: none`, no nonce, the last ID token again, a hang.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

#: The claim a test removes from the ID token by overriding it with this.
REMOVE = object()

#: The longest a hanging endpoint waits (the portal gives up well before).
MAX_HANG_SECONDS = 5


@dataclass(frozen=True)
class FromNow:
    """A time claim this many seconds from when the token is made (negative: before).

    Not a time computed when the tests are collected: a test run late in a long suite
    would get a "future" that had become the present."""

    seconds: int


@dataclass
class Client:
    """An application registered in the tenant."""

    secret: str
    redirect_uri: str
    #: How it must authenticate at the token endpoint.
    auth_method: str = "client_secret_basic"


@dataclass
class Grant:
    """An authorization code handed out, waiting to be exchanged once."""

    client_id: str
    redirect_uri: str
    login: str
    nonce: str | None
    challenge: str
    issued_at: float
    used: bool = False


@dataclass
class Tenant:
    """One directory: its clients, accounts, keys, and what it does wrong when asked."""

    tid: str
    base: str
    clients: dict[str, Client] = field(default_factory=dict)
    #: login -> claims of the account (Entra's: oid, preferred_username, upn, email...).
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: list[RSAKey] = field(default_factory=list)
    auth_methods: list[str] = field(
        default_factory=lambda: ["client_secret_post", "private_key_jwt", "client_secret_basic"]
    )
    signing_algs: list[str] = field(default_factory=lambda: ["RS256"])
    # Misbehaviour, per test.
    overrides: dict[str, Any] = field(default_factory=dict)
    #: Sign with this key instead of the newest published one.
    signing_key: RSAKey | None = None
    unsigned: bool = False
    #: Whether discovery names the key set (jwks_uri).
    publishes_keys: bool = True
    foreign_signature: bool = False
    replay_last_id_token: bool = False
    hang_seconds: float = 0
    # What happened.
    grants: dict[str, Grant] = field(default_factory=dict)
    id_tokens: list[str] = field(default_factory=list)
    key_set_reads: int = 0
    authorize_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"{self.base}/{self.tid}/v2.0"

    def rotate_keys(self, keep_old: bool = False) -> None:
        """Sign with a new key from now on; publish the old one too only when asked."""
        new = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8)})
        self.keys = [*self.keys, new] if keep_old else [new]

    def discovery(self) -> dict[str, Any]:
        root = f"{self.base}/{self.tid}"
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": self.signing_algs,
            "token_endpoint_auth_methods_supported": self.auth_methods,
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],  # fmt: skip
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        }

    def published_discovery(self) -> dict[str, Any]:
        """The discovery document as served (without jwks_uri when the test says so)."""
        document = self.discovery()
        if not self.publishes_keys:
            del document["jwks_uri"]
        return document

    def key_set(self) -> dict[str, Any]:
        self.key_set_reads += 1
        return {"keys": [k.as_dict(private=False, use="sig") for k in self.keys]}

    def id_token(self, grant: Grant, client_id: str) -> str:
        """An ID token for the grant, as Entra would make it, then as the test asked."""
        if self.replay_last_id_token and self.id_tokens:
            return self.id_tokens[-1]
        now = int(time.time())
        account = self.accounts[grant.login]
        claims: dict[str, Any] = {
            "aud": client_id,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": account.get("name", grant.login),
            "oid": account.get("oid", grant.login),
            "rh": "0.ARoA-not-a-real-value.",
            "sub": account.get("sub", f"pairwise-{grant.login}"),
            "tid": self.tid,
            "uti": secrets.token_urlsafe(16),
            "ver": "2.0",
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        claims |= {k: v for k, v in account.items() if k not in ("name", "oid", "sub")}
        claims |= {
            k: now + v.seconds if isinstance(v, FromNow) else v for k, v in self.overrides.items()
        }
        claims = {k: v for k, v in claims.items() if v is not REMOVE}
        token = self._sign(claims)
        self.id_tokens.append(token)
        return token

    def _sign(self, claims: dict[str, Any]) -> str:
        key = self.signing_key or self.keys[-1]
        if self.unsigned:
            header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        if self.foreign_signature:  # the right kid, another key
            key = RSAKey.generate_key(2048, parameters={"kid": key.kid})
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _oauth_error(error: str, status: int = 400) -> Response:
    return _json({"error": error, "error_description": f"AADSTS: {error} (test tenant)"}, status)


class EntraLikeServer:
    """The WSGI application behind every tenant, and the tenants it serves."""

    def __init__(self) -> None:
        self.base = ""
        self.tenants: dict[str, Tenant] = {}

    def new_tenant(self) -> Tenant:
        """A fresh tenant with one signing key."""
        tenant = Tenant(tid=secrets.token_hex(16), base=self.base)
        tenant.rotate_keys()
        self.tenants[tenant.tid] = tenant
        return tenant

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        tid, _, rest = request.path.strip("/").partition("/")
        tenant = self.tenants.get(tid)
        if tenant is None:
            response = _oauth_error("invalid_tenant", 400)
        elif rest == "v2.0/.well-known/openid-configuration":
            response = _json(tenant.published_discovery())
        elif rest == "discovery/v2.0/keys":
            response = _json(tenant.key_set())
        elif rest == "oauth2/v2.0/authorize":
            response = self.authorize(tenant, request)
        elif rest == "oauth2/v2.0/token" and request.method == "POST":
            response = self.token(tenant, request)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def authorize(self, tenant: Tenant, request: Request) -> Response:
        """Sign in the account the person chose (`test_login`) and send them back."""
        args = request.args.to_dict()
        tenant.authorize_requests.append(args)
        client = tenant.clients.get(args.get("client_id", ""))
        if client is None or args.get("redirect_uri") != client.redirect_uri:
            return Response("AADSTS50011: the redirect URI does not match", status=400)
        bad = (
            args.get("response_type") != "code"
            or "openid" not in args.get("scope", "").split()
            or args.get("code_challenge_method") != "S256"
            or not args.get("code_challenge")
            or args.get("test_login") not in tenant.accounts
        )
        if bad:
            return Response("AADSTS900144: a required parameter is missing", status=400)
        code = secrets.token_urlsafe(24)
        tenant.grants[code] = Grant(
            client_id=args["client_id"],
            redirect_uri=client.redirect_uri,
            login=args["test_login"],
            nonce=args.get("nonce"),
            challenge=args["code_challenge"],
            issued_at=time.time(),
        )
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response(status=302, headers={"Location": f"{client.redirect_uri}?{query}"})

    def _client_id(self, tenant: Tenant, request: Request) -> str | None:
        """The client that authenticated as it is registered to, or None."""
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            client_id, secret, method = auth.username, auth.password, "client_secret_basic"
        else:
            client_id = request.form.get("client_id")
            secret = request.form.get("client_secret")
            method = "client_secret_post"
        client = tenant.clients.get(client_id or "")
        if client is None or client.auth_method != method or client.secret != secret:
            return None
        return client_id

    def token(self, tenant: Tenant, request: Request) -> Response:
        """Exchange a code, once, for an ID token."""
        if tenant.hang_seconds:
            time.sleep(min(tenant.hang_seconds, MAX_HANG_SECONDS))
        client_id = self._client_id(tenant, request)
        if client_id is None:
            return _oauth_error("invalid_client", 401)
        grant = tenant.grants.get(request.form.get("code", ""))
        verifier = request.form.get("code_verifier", "")
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        if (
            request.form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.used
            or time.time() - grant.issued_at > 60
            or grant.client_id != client_id
            or grant.redirect_uri != request.form.get("redirect_uri")
            or grant.challenge != challenge
        ):
            return _oauth_error("invalid_grant")
        grant.used = True
        return _json(
            {
                "token_type": "Bearer",
                "scope": "openid profile email",
                "expires_in": 3599,
                "access_token": secrets.token_urlsafe(32),
                "id_token": tenant.id_token(grant, client_id),
            }
        )


class QuietHandler(WSGIRequestHandler):
    """No log line per request: the tests' output stays readable."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Say nothing."""


@pytest.fixture(scope="session")
def entra_server() -> Iterator[EntraLikeServer]:
    """The provider on a free loopback port for the whole run."""
    app = EntraLikeServer()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    app.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(10)


def sign_in_at(authorize_url: str, login: str) -> str:
    """The person signs in at the provider as `login`; the URL it sends the browser back to."""
    parts = urlsplit(authorize_url)
    query = f"{parts.query}&{urlencode({'test_login': login})}"
    response = requests.get(
        urlunsplit(parts._replace(query=query)), allow_redirects=False, timeout=10
    )
    assert response.status_code == 302, response.text[:300]
    return response.headers["Location"]
