"""PostgreSQL full-text search: tsvector columns kept by the database, GIN indexes

On PostgreSQL the search vectors are generated columns: the database computes
them in the same transaction as the row, so there is nothing to keep in sync.
SQLite uses the Whoosh index instead, so this migration does nothing there.

Revision ID: 0002_search_vectors
Revises: 0001_initial
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002_search_vectors"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

ITEM_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(body, '')), 'B')"
)
PROVIDER_VECTOR = (
    "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(address, '') || ' ' || coalesce(postcode, '') "
    "|| ' ' || coalesce(local_authority, '') || ' ' || coalesce(cqc_location_id, '') "
    "|| ' ' || coalesce(provider_name, '')), 'B')"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE intelligence_items ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({ITEM_VECTOR}) STORED"
    )
    op.execute(
        "CREATE INDEX ix_intelligence_items_search ON intelligence_items USING gin (search_vector)"
    )
    op.execute(
        f"ALTER TABLE providers ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({PROVIDER_VECTOR}) STORED"
    )
    op.execute("CREATE INDEX ix_providers_search ON providers USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_providers_search")
    op.execute("ALTER TABLE providers DROP COLUMN IF EXISTS search_vector")
    op.execute("DROP INDEX IF EXISTS ix_intelligence_items_search")
    op.execute("ALTER TABLE intelligence_items DROP COLUMN IF EXISTS search_vector")
