"""The search change log: a row per changed item or provider, in the change's own transaction.

The Whoosh index is a cache of the database. Every flush that touches a
searchable record also inserts a SearchChange row through the same connection,
so the log commits or rolls back with the change itself; each process then
brings its index up to date from the log before it answers a search.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import (
    IntelligenceItem,
    ItemRecipient,
    ItemTheme,
    Provider,
    ProviderServiceType,
    SearchChange,
    utcnow,
)

ITEM = "item"
PROVIDER = "provider"


def _entity_of(obj: Any) -> tuple[str, int | None] | None:
    if isinstance(obj, IntelligenceItem):
        return ITEM, obj.id
    if isinstance(obj, ItemTheme | ItemRecipient):
        # Before a flush the new row's item_id is still None: its item's id is the one.
        item_id: int | None = getattr(obj, "item_id", None)
        return ITEM, item_id if item_id is not None else getattr(obj.item, "id", None)
    if isinstance(obj, Provider):
        return PROVIDER, obj.id
    if isinstance(obj, ProviderServiceType):
        return PROVIDER, obj.provider_id
    return None


def changed_entities(session: Session) -> set[tuple[str, int]]:
    """The searchable records this flush touches."""
    found: set[tuple[str, int]] = set()
    candidates = list(session.new) + list(session.deleted)
    candidates += [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in candidates:
        entity = _entity_of(obj)
        if entity is not None:
            kind, entity_id = entity
            if entity_id is not None:
                found.add((kind, entity_id))
    return found


def _record_changes(session: Session, _flush_context: Any) -> None:
    entities = changed_entities(session)
    if entities:
        now = utcnow()
        session.connection().execute(
            sa.insert(SearchChange),
            [
                {"entity": kind, "entity_id": entity_id, "changed_at": now}
                for kind, entity_id in sorted(entities)
            ],
        )


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if not sa.event.contains(Session, "after_flush", _record_changes):
        sa.event.listen(Session, "after_flush", _record_changes)


def record_all(session: Session, entities: list[tuple[str, int]]) -> None:
    """Log changes made without the ORM (bulk loads), in the caller's transaction."""
    now = utcnow()
    if entities:
        session.execute(
            sa.insert(SearchChange),
            [{"entity": k, "entity_id": i, "changed_at": now} for k, i in entities],
        )
