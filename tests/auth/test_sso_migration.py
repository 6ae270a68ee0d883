"""Migration 0010_sso_tokens: links made before it keep working, under their provider's issuer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from tests.databases import (
    fresh_postgres_database,
    fresh_sqlite_database,
    postgres_unavailable_reason,
)

ISSUER = "https://login.microsoftonline.com/tenant-a/v2.0"


def _seed(connection: sa.Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO agencies (id, code, name, kind, active, created_at) "
            "VALUES (1, 'NHSNCL', 'NHS', 'nhs', true, CURRENT_TIMESTAMP)"
        )
    )
    connection.execute(
        sa.text(
            "INSERT INTO users (id, email, name, agency_id, role, active, created_at, "
            "failed_sign_ins, session_generation) VALUES "
            "(1, 'asha.khan@nhs.net', 'Asha', 1, 'member', true, CURRENT_TIMESTAMP, 0, 0)"
        )
    )
    connection.execute(
        sa.text(
            "INSERT INTO identity_providers (id, agency_id, name, issuer, client_id, "
            "client_secret_env, email_domains, enabled, created_at) VALUES "
            f"(1, 1, 'NHSmail', '{ISSUER}', 'portal', 'PORTAL_X', 'nhs.net', true, "
            "CURRENT_TIMESTAMP)"
        )
    )
    connection.execute(
        sa.text(
            "INSERT INTO user_identities (id, user_id, identity_provider_id, subject, linked_at) "
            "VALUES (1, 1, 1, 'sub-asha', CURRENT_TIMESTAMP)"
        )
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_links_made_before_the_migration_carry_their_providers_issuer(backend, tmp_path):
    if backend == "postgresql":
        reason = postgres_unavailable_reason()
        if reason:
            pytest.skip(reason)
        context = fresh_postgres_database("portal_sso_migration")
    else:
        context = fresh_sqlite_database(tmp_path)
    with context as url:
        app = create_app({"env": "test", "database_url": url, "instance_path": str(tmp_path)})
        with app.app_context():
            upgrade(revision="0009_focused_agenda")
            with db.engine.begin() as connection:
                _seed(connection)
            upgrade(revision="0010_sso_tokens")
            with db.engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT issuer, subject FROM user_identities")
                ).all()
                trust = connection.execute(
                    sa.text("SELECT email_trust, token_auth_method FROM identity_providers")
                ).one()
            assert [tuple(r) for r in rows] == [(ISSUER, "sub-asha")]
            assert tuple(trust) == ("email_verified", "auto")
            downgrade(revision="0009_focused_agenda")
            with db.engine.connect() as connection:
                count = connection.execute(sa.text("SELECT count(*) FROM user_identities"))
                assert count.scalar() == 1
            db.engine.dispose()
