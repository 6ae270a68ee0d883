"""Shared fixtures: a migrated database per backend per run, an app per test, login_as."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db
from portal.models import Role, User
from tests import factories
from tests.databases import (
    empty_all_tables,
    fresh_postgres_database,
    fresh_sqlite_database,
    postgres_unavailable_reason,
)

BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    """Under CI, PostgreSQL must be there: a skipped half of the suite is a failure."""
    if os.environ.get("CI") and os.environ.get("PORTAL_TEST_DATABASE_URL"):
        reason = postgres_unavailable_reason()
        if reason:
            raise pytest.UsageError(f"CI needs PostgreSQL: {reason}")


def migrate_to_head(url: str) -> None:
    """Bring an empty database to the newest schema through the migrations."""
    from flask_migrate import upgrade

    app = create_app({"env": "test", "database_url": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A database migrated from empty, one per backend for the whole run."""
    if request.param == "postgresql":
        reason = postgres_unavailable_reason()
        if reason:
            pytest.skip(reason)
        context = fresh_postgres_database()
    else:
        context = fresh_sqlite_database(tmp_path_factory.mktemp("sqlite"))
    with context as url:
        migrate_to_head(url)
        yield url


@pytest.fixture
def backend(database_url: str) -> str:
    """ "sqlite" or "postgresql": the database this test runs on."""
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator[Flask]:
    """The application on a clean database; every table is emptied afterwards."""
    application = create_app(
        {"env": "test", "database_url": database_url, "instance_path": str(tmp_path / "instance")}
    )
    with application.app_context():
        yield application
        db.session.remove()
        empty_all_tables(db.engine, db.metadata)
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser for the app."""
    return app.test_client()


@pytest.fixture
def login_as(app: Flask, client: FlaskClient):
    """login_as(role, agency_code="MERTON") -> the new user, signed in on `client`."""

    def sign_in(role: Role | str, agency: str = "MERTON", **fields) -> User:
        user = factories.user(role=Role(role), agency=factories.agency(agency), **fields)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return user

    return sign_in


def api_token_for(user: User) -> str:
    """A new bearer token for the user (committed)."""
    from portal.auth.services import create_api_token

    token = create_api_token(user.email, via="test").token
    db.session.commit()
    return token


def csrf_token_from(html: str) -> str:
    """The CSRF token a rendered form carries."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def count_queries(app: Flask):
    """count_queries() -> a context manager whose value is the list of SQL statements run."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):  # noqa: ANN001
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting
