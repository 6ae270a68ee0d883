"""The migrations build the schema from empty, and the models agree with them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal.models.schema_filters import include_object
from tests.databases import (
    fresh_postgres_database,
    fresh_sqlite_database,
    postgres_unavailable_reason,
)


def test_the_models_and_the_migrations_agree(app):
    """Autogenerate against the migrated test database finds nothing to change."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_from_empty_then_downgrade_and_upgrade_again(backend, tmp_path):
    if backend == "postgresql":
        reason = postgres_unavailable_reason()
        if reason:
            pytest.skip(reason)
        context = fresh_postgres_database("portal_migrations")
    else:
        context = fresh_sqlite_database(tmp_path)
    with context as url:
        app = create_app({"env": "test", "database_url": url, "instance_path": str(tmp_path)})
        with app.app_context():
            upgrade()
            tables = set(db.inspect(db.engine).get_table_names())
            assert {"agencies", "users", "intelligence_items", "audit_events"} <= tables
            downgrade(revision="base")
            assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert "intelligence_items" in db.inspect(db.engine).get_table_names()
            db.engine.dispose()
