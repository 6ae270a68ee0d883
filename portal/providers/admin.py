"""Administrators' changes to the register: create and edit a provider, every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.models import Provider, ProviderServiceType
from portal.postcodes import normalise_postcode
from portal.providers.names import cqc_id, name_key
from portal.unit_of_work import ValidationFailed

#: The form's fields that map straight onto Provider attributes.
EDITABLE = (
    "name",
    "cqc_location_id",
    "cqc_provider_id",
    "provider_name",
    "address",
    "postcode",
    "local_authority",
    "region",
    "latitude",
    "longitude",
)


@dataclass
class SaveResult:
    """A saved provider and the fields that changed."""

    provider: Provider
    changes: list[str]


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Form data as stored values: trimmed text, None for blanks, normalised IDs and postcode."""

    def text(key: str) -> str | None:
        value = " ".join(str(data.get(key) or "").split())
        return value or None

    postcode = normalise_postcode(data.get("postcode")) if data.get("postcode") else None
    name = text("name") or ""
    cleaned: dict[str, Any] = {
        "name": name,
        "cqc_location_id": cqc_id(data.get("cqc_location_id")),
        "cqc_provider_id": cqc_id(data.get("cqc_provider_id")),
        "provider_name": text("provider_name"),
        # Line breaks in an address are kept as the administrator typed them.
        "address": "\n".join(
            " ".join(line.split())
            for line in str(data.get("address") or "").splitlines()
            if line.strip()
        ),
        "postcode": postcode,
        "local_authority": text("local_authority"),
        "region": text("region"),
        "latitude": float(data["latitude"]) if data.get("latitude") else None,
        "longitude": float(data["longitude"]) if data.get("longitude") else None,
    }
    cleaned["postcode_district"] = postcode.split()[0] if postcode else None
    cleaned["name_key"] = name_key(name)
    return cleaned


def _duplicate_location(location_id: str | None, provider_id: int | None) -> str | None:
    if location_id is None:
        return None
    other = db.session.scalar(
        sa.select(Provider.id).where(
            Provider.cqc_location_id == location_id, Provider.id != (provider_id or 0)
        )
    )
    if other is None:
        return None
    return f"Another provider already has CQC location ID {location_id}"


def save_provider(provider: Provider | None, data: dict[str, Any]) -> SaveResult:
    """Create (provider None) or update a provider from form data; audit what changed.

    A CQC location ID another provider has is refused (ValidationFailed) before anything changes.
    """
    cleaned = _clean(data)
    duplicate = _duplicate_location(cleaned["cqc_location_id"], provider.id if provider else None)
    if duplicate:
        raise ValidationFailed({"cqc_location_id": duplicate})
    creating = provider is None
    if provider is None:
        provider = Provider()
        db.session.add(provider)
    changes = []
    for name, value in cleaned.items():
        if getattr(provider, name) != value:
            setattr(provider, name, value)
            if name in EDITABLE:
                changes.append(name)
    wanted = set(data.get("service_types") or [])
    current = set(provider.service_type_codes) if not creating else set()
    if wanted != current:
        provider.service_types = [
            st for st in provider.service_types if st.service_type in wanted
        ] + [ProviderServiceType(service_type=code) for code in sorted(wanted - current)]
        changes.append("service_types")
    db.session.flush()
    if creating:
        audit.record("provider-created", object_type="provider", object_id=provider.id, via="web")
    elif changes:
        audit.record(
            "provider-changed",
            object_type="provider",
            object_id=provider.id,
            changes=changes,
            via="web",
        )
    return SaveResult(provider, changes)


def form_data(provider: Provider) -> dict[str, Any]:
    """A provider's editable values, as the form shows them."""
    data: dict[str, Any] = {name: getattr(provider, name) for name in EDITABLE}
    data["latitude"] = "" if provider.latitude is None else repr(provider.latitude)
    data["longitude"] = "" if provider.longitude is None else repr(provider.longitude)
    data["service_types"] = provider.service_type_codes
    return data
