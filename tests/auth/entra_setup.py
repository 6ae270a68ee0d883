"""An agency signing in through a tenant of the Entra-shaped provider, as an administrator sets it.

`entra` gives each test a builder: a fresh tenant, the portal registered in it, the agency's
identity provider row, and the secret in the environment. The portal's real Authlib client
talks to the tenant over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa
from flask import g

from portal.extensions import db
from portal.models import AuditEvent, EmailTrust, IdentityProvider, Role, User
from tests import factories
from tests.auth.entra_provider import Client, EntraLikeServer, Tenant, sign_in_at
from tests.auth.helpers import refresh_url

SECRET = "entra-client-secret-for-tests"
CLIENT_ID = "00000000-portal-client-id"
NHS_DOMAIN = "nhs.net"


@dataclass
class EntraAgency:
    """An agency, its tenant and its identity provider row."""

    tenant: Tenant
    idp: IdentityProvider
    client_id: str

    def start(self, client: Any, next_url: str | None = None) -> str:
        """The tenant's authorization URL, from the portal's page that moves on to it."""
        suffix = f"?next={next_url}" if next_url else ""
        response = client.get(f"/sign-in/sso/{self.idp.agency.code}{suffix}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return refresh_url(response.get_data(as_text=True))

    def sign_in(self, client: Any, login: str, next_url: str | None = None) -> Any:
        """The whole round trip: portal, tenant, back to the portal's callback."""
        fresh_browser()
        return client.get(callback_path(sign_in_at(self.start(client, next_url), login)))


def fresh_browser() -> None:
    """Tests share one app context: drop what the last request (another browser) left in `g`."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def signed_in(client: Any) -> bool:
    """Whether this browser is signed in (the home page answers rather than redirects)."""
    fresh_browser()
    return bool(client.get("/").status_code == 200)


def callback_path(url: str) -> str:
    """The portal-relative part of the URL the provider sent the browser back to."""
    parts = urlsplit(url)
    assert parts.netloc == "localhost", url
    return f"{parts.path}?{parts.query}"


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a URL."""
    return dict(parse_qsl(urlsplit(url).query))


def sso_failures(reason: str | None = None) -> list[AuditEvent]:
    """The sso-failed audit events, with this reason if given."""
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sso-failed"))
    return [e for e in events if reason is None or e.data["reason"] == reason]


def sign_ins() -> list[AuditEvent]:
    """The sign-in audit events, oldest first."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "sign-in").order_by(AuditEvent.id)
        )
    )


def nhs_accounts() -> dict[str, dict[str, Any]]:
    """Accounts in an NHS tenant, with the claims Entra sends for each."""
    return {
        "asha": {
            "sub": "pairwise-asha",
            "oid": "9f3c-asha",
            "name": "Asha Khan",
            "preferred_username": "asha.khan@nhs.net",
            "email": "asha.khan@nhs.net",
            "xms_edov": True,
        },
        "asha-upn-only": {"sub": "pairwise-asha", "upn": "asha.khan@nhs.net"},
        "asha-username-only": {"sub": "pairwise-asha", "preferred_username": "ASHA.KHAN@nhs.net"},
        "outsider": {"sub": "pairwise-outsider", "upn": "someone@elsewhere.org"},
    }


def new_nhs_tenant(
    server: EntraLikeServer,
    agency_code: str = "NHSNCL",
    auth_method: str = "client_secret_basic",
    secret: str = SECRET,
) -> Tenant:
    """A fresh tenant with the NHS accounts and the portal registered for the agency."""
    tenant = server.new_tenant()
    tenant.accounts = nhs_accounts()
    redirect_uri = f"http://localhost/sign-in/sso/{agency_code}/callback"
    tenant.clients[CLIENT_ID] = Client(secret, redirect_uri, auth_method)
    return tenant


@pytest.fixture
def asha(app) -> User:
    """An NHS member whose account an administrator made."""
    user = factories.user(Role.MEMBER, factories.agency("NHSNCL"), email="asha.khan@nhs.net")
    db.session.commit()
    return user


@pytest.fixture
def entra(app, entra_server: EntraLikeServer, monkeypatch):
    """Build an agency that signs in through a fresh Entra-shaped tenant."""

    def build(
        agency_code: str = "NHSNCL",
        *,
        auth_method: str = "client_secret_basic",
        secret_at_provider: str = SECRET,
        **settings: Any,
    ) -> EntraAgency:
        tenant = new_nhs_tenant(entra_server, agency_code, auth_method, secret_at_provider)
        env = f"PORTAL_TEST_ENTRA_{agency_code}_SECRET"
        monkeypatch.setenv(env, SECRET)
        fields: dict[str, Any] = {
            "email_domains": NHS_DOMAIN,
            "email_trust": EmailTrust.DOMAIN_VERIFIED,
        } | settings
        idp = IdentityProvider(
            agency=factories.agency(agency_code),
            name="NHSmail",
            issuer=tenant.issuer,
            client_id=CLIENT_ID,
            client_secret_env=env,
            **fields,
        )
        db.session.add(idp)
        db.session.commit()
        return EntraAgency(tenant, idp, CLIENT_ID)

    return build
