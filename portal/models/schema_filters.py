"""What Alembic's model comparison leaves alone: database-only search columns."""

from __future__ import annotations

from typing import Any

#: Kept by PostgreSQL itself (migrations 0002 and 0003); not mapped by any model.
DATABASE_ONLY_COLUMNS = {
    ("intelligence_items", "search_vector"),
    ("intelligence_items", "search_themes"),
    ("providers", "search_vector"),
}
#: ix_providers_name_key_trgm: a trigram index for name LIKEs (migration 0010).
DATABASE_ONLY_INDEXES = {
    "ix_intelligence_items_search",
    "ix_providers_search",
    "ix_providers_name_key_trgm",
}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic hook: skip the PostgreSQL search vectors and their indexes."""
    if type_ == "column" and (obj.table.name, name) in DATABASE_ONLY_COLUMNS:
        return False
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)
