"""What the search index holds for an item or a provider, read from the database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portal.config import labels
from portal.extensions import db
from portal.models import IntelligenceItem, ItemStatus, Provider
from portal.policy import readers_of
from portal.search.changes import PROVIDER
from portal.search.text import clean_text

#: Providers are not restricted: every active user may find them.
PROVIDER_READERS = "active"


def item_document(item: IntelligenceItem) -> dict[str, Any]:
    """The index document of an open item, with the principals allowed to read it."""
    observed = item.observed_on
    return {
        "doc_id": f"item:{item.id}",
        "kind": "intelligence",
        "title": clean_text(item.title),
        "body": clean_text(item.body),
        "provider": clean_text(item.provider.name),
        "agency": item.source_agency.code.lower(),
        "theme": " ".join(item.theme_codes),
        "key_question": str(item.key_question),
        "marking": str(item.marking.value),
        "month": f"{observed:%Y-%m}",
        "observed": observed.year * 10000 + observed.month * 100 + observed.day,
        "readers": " ".join(sorted(readers_of(item))),
    }


def provider_document(provider: Provider) -> dict[str, Any]:
    """The index document of a provider."""
    service_labels = labels("service_types")
    extra = " ".join(
        filter(
            None,
            [
                provider.address,
                provider.postcode,
                provider.local_authority,
                provider.cqc_location_id,
                provider.cqc_provider_id,
                provider.provider_name,
                *(service_labels.get(code, code) for code in provider.service_type_codes),
            ],
        )
    )
    return {
        "doc_id": f"provider:{provider.id}",
        "kind": "provider",
        "title": clean_text(provider.name),
        "body": clean_text(extra),
        "provider": clean_text(provider.name),
        "readers": PROVIDER_READERS,
    }


def load_items(ids: Iterable[int], session: Session | None = None) -> dict[int, IntelligenceItem]:
    """Items by id with what their documents need, in one round of queries."""
    ids = list(ids)
    if not ids:
        return {}
    rows = (
        (session or db.session)
        .scalars(
            sa.select(IntelligenceItem)
            .where(IntelligenceItem.id.in_(ids))
            .options(
                selectinload(IntelligenceItem.themes), selectinload(IntelligenceItem.recipients)
            )
        )
        .all()
    )
    return {item.id: item for item in rows}


def load_providers(ids: Iterable[int], session: Session | None = None) -> dict[int, Provider]:
    """Providers by id."""
    ids = list(ids)
    if not ids:
        return {}
    rows = (session or db.session).scalars(sa.select(Provider).where(Provider.id.in_(ids))).all()
    return {p.id: p for p in rows}


def is_searchable(item: IntelligenceItem | None) -> bool:
    """Withdrawn items leave the search; everything else open is found."""
    return item is not None and item.status == ItemStatus.OPEN


def part_documents(
    session: Session, kind: str, ids: Iterable[int], batch: int = 1000
) -> Iterator[dict[str, Any]]:
    """The documents of these providers (`kind` PROVIDER) or items (ITEM), in the order given,
    read in batches through `session` (for a full rebuild)."""
    ids = list(ids)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        if kind == PROVIDER:
            providers = load_providers(chunk, session)
            yield from (provider_document(providers[i]) for i in chunk if i in providers)
        else:
            items = load_items(chunk, session)
            yield from (item_document(items[i]) for i in chunk if is_searchable(items.get(i)))
        session.expunge_all()
