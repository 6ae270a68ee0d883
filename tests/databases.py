"""Test databases: SQLite always, PostgreSQL when PORTAL_TEST_DATABASE_URL names one.

Each test run makes its own PostgreSQL database (dropped at the end), so a run
never clobbers data and two runs never meet.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url

from portal.config import normalise_database_url

POSTGRES_ENV = "PORTAL_TEST_DATABASE_URL"

T = TypeVar("T")


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


def empty_all_tables(bind: sa.Engine | sa.Connection, metadata: sa.MetaData) -> None:
    """Remove every row (and reset ids): committed when given an engine, in the
    connection's transaction when given a connection."""
    if isinstance(bind, sa.Engine):
        with bind.begin() as conn:
            empty_all_tables(conn, metadata)
        return
    tables = [t.name for t in metadata.sorted_tables]
    if bind.dialect.name == "postgresql":
        names = ", ".join(f'"{t}"' for t in tables)
        bind.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(tables):
        bind.execute(sa.text(f'DELETE FROM "{table}"'))
    exists = bind.execute(
        sa.text("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
    ).first()
    if exists:
        bind.execute(sa.text("DELETE FROM sqlite_sequence"))


@dataclass(frozen=True)
class CleanSlate:
    """How one test leaves an empty, migrated database as it found it.

    SQLite: the migrated file is kept as a template and copied back before each test
    (a new file, so every connection of any process opened afterwards sees it empty).
    PostgreSQL: each test runs in a transaction rolled back afterwards, with the
    sequences set back; a test whose data other connections must see (a server in
    another thread or process, a bulk loader's second connection) commits for real,
    and every table is emptied afterwards.
    """

    dialect: str
    template: Path | None = None
    #: SQLite: the migrated, empty file, put back after each test, so that what runs
    #: outside the app fixture (a browser test's server, a test's own app) finds it empty.
    empty: Path | None = None
    sequences_reset: str = ""
    #: PostgreSQL, for tests that share data built once: the connection whose open
    #: transaction holds it; each test is a savepoint within it.
    holding: sa.Connection | None = None

    @contextmanager
    def isolated(self, db: SQLAlchemy, committed: bool) -> Iterator[None]:
        """The body of one test, on the empty database; put back afterwards."""
        if self.dialect == "sqlite":
            with self._sqlite_copy(db):
                yield
        elif committed:
            try:
                yield
            finally:
                db.session.remove()
                empty_all_tables(db.engine, db.metadata)
        else:
            with self._rolled_back(db):
                yield

    @contextmanager
    def _sqlite_copy(self, db: SQLAlchemy) -> Iterator[None]:
        assert self.template is not None and self.empty is not None
        path = Path(db.engine.url.database or "")
        _copy_sqlite(db, self.template, path)
        try:
            yield
        finally:
            _copy_sqlite(db, self.empty, path)

    @contextmanager
    def prepared(self, db: SQLAlchemy, build: Callable[[], T]) -> Iterator[tuple[T, CleanSlate]]:
        """Build data once (in an app context); yield it and the slate each test starts from.

        For a module of many tests over the same records (the access table): SQLite copies
        the file as it is after the build; PostgreSQL keeps the build's transaction open
        and runs each test in a savepoint inside it. Tests on it may not be `committed`.
        """
        if self.dialect == "sqlite":
            assert self.template is not None
            template = self.template.with_name(f"{self.template.name}-{uuid.uuid4().hex[:8]}")
            with self._sqlite_copy(db):
                built = build()
                db.session.commit()
                db.session.remove()
                db.engine.dispose()
                shutil.copyfile(Path(db.engine.url.database or ""), template)
            try:
                yield built, CleanSlate("sqlite", template=template, empty=self.empty)
            finally:
                template.unlink(missing_ok=True)
            return
        with self._rolled_back(db) as connection:
            built = build()
            db.session.commit()
            db.session.remove()
            yield built, CleanSlate("postgresql", holding=connection)

    @contextmanager
    def _rolled_back(self, db: SQLAlchemy) -> Iterator[sa.Connection]:
        if self.holding is not None:
            connection = self.holding
            transaction = connection.begin_nested()
        else:
            connection = db.engine.connect()
            transaction = connection.begin()
            if self.sequences_reset:
                connection.exec_driver_sql(self.sequences_reset)
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield connection
        finally:
            db.session.remove()
            db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
            if transaction.is_active:
                transaction.rollback()
            if self.holding is None:
                connection.close()


def _copy_sqlite(db: SQLAlchemy, source: Path, path: Path) -> None:
    """Close every pooled connection and put a copy of the source file in the database's place."""
    db.session.remove()
    db.engine.dispose()
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(source, path)


def clean_slate(engine: sa.Engine, metadata: sa.MetaData) -> CleanSlate:
    """Note the state of a freshly migrated, empty database, to return to before each test."""
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise AssertionError(f"the migrated test database is not empty: {table.name}")
        if engine.dialect.name != "postgresql":
            path = Path(engine.url.database or "")
            engine.dispose()
            template = path.with_name(path.name + ".template")
            shutil.copyfile(path, template)
            return CleanSlate("sqlite", template=template, empty=template)
        rows = conn.execute(
            sa.text(
                "SELECT format('%I.%I', schemaname, sequencename), start_value "
                "FROM pg_sequences ORDER BY 1"
            )
        ).all()
    calls = ", ".join(f"setval('{name}', {start}, false)" for name, start in rows)
    return CleanSlate("postgresql", sequences_reset=f"SELECT {calls}" if calls else "")
