"""What a verified ID token says: who, at which address, trusted how, and how strongly.

Providers differ. Most send `email` with `email_verified`; Entra ID (and NHSmail, an Entra
tenant) never sends `email_verified`, may send `email` with its domain-verified claim
`xms_edov`, or only `preferred_username` or `upn`. Per agency the administrator chooses how
an address is trusted (IdentityProvider.email_trust); the address is read from `email`, then
`preferred_username`, then `upn`; a boolean claim sent as the string "true" counts as true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.models import EmailTrust, IdentityProvider

#: Where the address is read from, in order.
ADDRESS_CLAIMS = ("email", "preferred_username", "upn")
#: `amr` values (RFC 8176) that mean more than a password: a second factor, a key or a
#: biometric. A password alone (`pwd`), knowledge (`kba`) or Windows sign-in (`wia`) is not.
STRONG_AMR = frozenset(
    {"mfa", "mca", "otp", "hwk", "swk", "sc", "sms", "tel", "fpt", "face", "iris", "retina", "vbm"}
)
MAX_AMR_VALUES = 10
MAX_CLAIM_LENGTH = 100


class SsoFailure(Exception):
    """Single sign-on did not sign anyone in; `reason` is audited, `message` is shown."""

    def __init__(self, reason: str, message: str, email: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.email = email


def email_domains(idp: IdentityProvider) -> list[str]:
    """The e-mail domains the provider is configured for, in lower case."""
    return [d.strip().lstrip("@").lower() for d in idp.email_domains.replace(",", " ").split() if d]


def is_true(value: object) -> bool:
    """A boolean claim: true, or the string "true" (some providers send strings)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


@dataclass(frozen=True)
class Claims:
    """The parts of a verified ID token the portal uses."""

    subject: str
    #: The address read (lower case), or "" when none looks like one.
    email: str
    #: Which claim it came from: "email", "preferred_username", "upn" or "".
    email_source: str
    #: Whether the agency's chosen trust mode vouches for the address.
    email_trusted: bool
    amr: tuple[str, ...] = ()
    acr: str = ""


def _address(raw: dict[str, Any]) -> tuple[str, str]:
    for name in ADDRESS_CLAIMS:
        value = raw.get(name)
        if isinstance(value, str):
            text = value.strip().lower()
            local, at, domain = text.rpartition("@")
            if at and local and "." in domain and not any(c.isspace() for c in text):
                return name, text[:254]
    return "", ""


def _trusted(idp: IdentityProvider, raw: dict[str, Any], source: str, email: str) -> bool:
    if not email:
        return False
    if idp.email_trust == EmailTrust.AUTHORITATIVE:
        domains = email_domains(idp)
        return bool(domains) and email.rpartition("@")[2] in domains
    if idp.email_trust == EmailTrust.DOMAIN_VERIFIED:
        return source == "email" and is_true(raw.get("xms_edov"))
    return source == "email" and is_true(raw.get("email_verified"))


def _amr(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list):
        return ()
    found = [v[:MAX_CLAIM_LENGTH] for v in value if isinstance(v, str) and v]
    return tuple(found[:MAX_AMR_VALUES])


def read_claims(idp: IdentityProvider, raw: dict[str, Any]) -> Claims:
    """The subject, address and strength a verified ID token (and UserInfo) assert."""
    subject = raw.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SsoFailure("no subject", f"{idp.name} did not say who you are. Start again.")
    source, email = _address(raw)
    return Claims(
        subject=subject,
        email=email,
        email_source=source,
        email_trusted=_trusted(idp, raw, source, email),
        amr=_amr(raw.get("amr")),
        acr=_acr(raw),
    )


def _acr(raw: dict[str, Any]) -> str:
    """The `acr` claim; else Entra ID's `acrs` (its authentication contexts), space-separated."""
    acr = raw.get("acr")
    if isinstance(acr, str):
        return acr[:MAX_CLAIM_LENGTH]
    return " ".join(_amr(raw.get("acrs")))[:MAX_CLAIM_LENGTH]


def accepted_acr_values(idp: IdentityProvider) -> list[str]:
    """The `acr` values the administrator listed: asked for, and each counts as strong."""
    return idp.acr_values.split()


def strong_sign_in(idp: IdentityProvider, claims: Claims) -> bool:
    """Whether the provider says it used more than a password (by `amr`, or a listed `acr`)."""
    accepted = accepted_acr_values(idp)
    return bool(STRONG_AMR.intersection(claims.amr)) or any(
        value in accepted for value in claims.acr.split()
    )


def needs_portal_second_factor(idp: IdentityProvider, claims: Claims) -> bool:
    """Whether the portal must ask for its own second factor after this single sign-on."""
    return idp.require_strong_sign_in and not strong_sign_in(idp, claims)


def audit_details(claims: Claims) -> dict[str, str]:
    """What the sign-in's audit event records of the provider's sign-in (what it sent)."""
    details = {"amr": " ".join(claims.amr), "acr": claims.acr}
    return {key: value for key, value in details.items() if value}
