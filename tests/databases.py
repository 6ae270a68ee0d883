"""Test databases: SQLite always, PostgreSQL when PORTAL_TEST_DATABASE_URL names one.

Each test run makes its own PostgreSQL database (dropped at the end), so a run
never clobbers data and two runs never meet.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from portal.config import normalise_database_url

POSTGRES_ENV = "PORTAL_TEST_DATABASE_URL"


def postgres_server_url() -> str | None:
    """The PostgreSQL URL the run was given, or None."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    return normalise_database_url(url) if url else None


def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    url = postgres_server_url()
    if url is None:
        return f"PostgreSQL tests need {POSTGRES_ENV} (CI sets it; see README)"
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except sa.exc.OperationalError as exc:
        return f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc.orig}"
    return None


@contextmanager
def fresh_postgres_database(prefix: str = "portal_test"):
    """Create an empty PostgreSQL database for the duration; yield its URL."""
    server = make_url(postgres_server_url())
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_sqlite_database(folder: Path):
    """An empty SQLite file in the folder; yield its URL."""
    path = folder / f"portal-{uuid.uuid4().hex[:8]}.db"
    yield f"sqlite:///{path}"


def empty_all_tables(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Remove every row (and reset ids) so the next test starts clean."""
    tables = [t.name for t in metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            exists = conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            ).first()
            if exists:
                conn.execute(sa.text("DELETE FROM sqlite_sequence"))
