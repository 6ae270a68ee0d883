"""Provider names found by any part: a trigram index on providers.name_key (PostgreSQL)

The search box reads provider names among other words (portal/providers/search.py,
read_query): each query word narrows the candidates with ``name_key LIKE '%word%'``. A
trigram GIN index answers those from the index instead of reading every provider (about
40 ms a search at 50,000 providers). SQLite has no such index; its default scale reads the
table quickly, so this migration does nothing there.

Revision ID: 0013_search_box
Revises: 0012_sso_flow
Create Date: 2026-12-06
"""

from alembic import op

revision = "0013_search_box"
down_revision = "0012_sso_flow"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension from version 13.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_providers_name_key_trgm ON providers USING gin (name_key gin_trgm_ops)"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_providers_name_key_trgm")
