"""PostgreSQL search: each item's themes beside its search vector, kept by triggers

The search page counts matching items per theme. Joining every match to
item_themes cost about a third of a national-scale search, so on PostgreSQL each
item also carries its theme codes (sorted) in `search_themes`, which statement
triggers on item_themes keep equal to the rows there, in the same transaction.
SQLite uses the Whoosh index instead, so this migration does nothing there.

Revision ID: 0003_search_themes
Revises: 0002_search_vectors
Create Date: 2026-11-25
"""

from alembic import op

revision = "0003_search_themes"
down_revision = "0002_search_vectors"
branch_labels = None
depends_on = None

# The items whose theme rows changed get their codes again; an item whose codes are
# already right is left alone (no new row version, no new search vector). The items
# are locked first: a concurrent change to the same item's themes then waits for this
# one to commit, and its UPDATE (a new statement, so a new snapshot) sees both.
SYNC = """
CREATE FUNCTION portal_sync_search_themes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM intelligence_items
      WHERE id IN (SELECT item_id FROM changed_themes) ORDER BY id FOR UPDATE;
    UPDATE intelligence_items AS i
       SET search_themes = codes.themes
      FROM (
            SELECT c.item_id,
                   ARRAY(SELECT t.theme::text FROM item_themes AS t
                          WHERE t.item_id = c.item_id ORDER BY t.theme) AS themes
              FROM (SELECT DISTINCT item_id FROM changed_themes) AS c
           ) AS codes
     WHERE i.id = codes.item_id
       AND i.search_themes IS DISTINCT FROM codes.themes;
    RETURN NULL;
END
$$
"""

# Transition tables allow one event per trigger, hence three (an update may move a
# row between items, so it is run for the old rows and for the new ones).
TRIGGERS = [
    ("item_themes_inserted", "INSERT", "NEW TABLE AS changed_themes"),
    ("item_themes_deleted", "DELETE", "OLD TABLE AS changed_themes"),
    ("item_themes_updated_old", "UPDATE", "OLD TABLE AS changed_themes"),
    ("item_themes_updated_new", "UPDATE", "NEW TABLE AS changed_themes"),
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE intelligence_items ADD COLUMN search_themes text[] NOT NULL DEFAULT '{}'"
    )
    op.execute(SYNC)
    for name, event, table in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON item_themes REFERENCING {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION portal_sync_search_themes()"
        )
    op.execute(
        "UPDATE intelligence_items AS i SET search_themes = codes.themes FROM ("
        "SELECT item_id, array_agg(theme::text ORDER BY theme) AS themes "
        "FROM item_themes GROUP BY item_id) AS codes WHERE i.id = codes.item_id"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON item_themes")
    op.execute("DROP FUNCTION IF EXISTS portal_sync_search_themes()")
    op.execute("ALTER TABLE intelligence_items DROP COLUMN IF EXISTS search_themes")
