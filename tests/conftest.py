"""Shared fixtures: a migrated database and an app per backend per worker, a clean slate per
test, login_as."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal import clock, create_app
from portal.extensions import db, limiter
from portal.models import Role, User
from tests import factories
from tests.databases import (
    CleanSlate,
    clean_slate,
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


#: The day the suite began. Test modules take their dates from it when they are imported
#: (a meeting in ten days' time, an embargo ending today), so the portal's clock keeps
#: to it for the whole run: a suite crossing midnight would otherwise compare
#: yesterday's dates with today's pages. Processes a test starts keep the real date.
SUITE_DAY = date.today()


@pytest.fixture(scope="session", autouse=True)
def one_day_for_the_whole_suite() -> Iterator[None]:
    with clock.fixed_today(SUITE_DAY):
        yield


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A database migrated from empty, one per backend for each worker of the run."""
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


@pytest.fixture(scope="session")
def shared_app(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, CleanSlate]]:
    """One application per backend per worker, and the way back to its empty database."""
    application = create_app(
        {
            "env": "test",
            "database_url": database_url,
            "instance_path": str(tmp_path_factory.mktemp("instance")),
        }
    )
    with application.app_context():
        slate = clean_slate(db.engine, db.metadata)
        db.engine.dispose()
    yield application, slate
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def app(
    shared_app: tuple[Flask, CleanSlate], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Flask]:
    """The application on an empty database, as each test leaves it untouched for the next.

    SQLite starts each test from a copy of the migrated file; PostgreSQL runs each test
    inside a transaction rolled back afterwards (its commits are savepoints), unless the
    test is marked `committed`: then other connections see its data, and every table is
    emptied afterwards. The app's configuration, search index and instance folder are
    the test's own.
    """
    application, slate = shared_app
    with app_on(application, slate, tmp_path, request) as ready:
        yield ready


@contextmanager
def app_on(
    application: Flask, slate: CleanSlate, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Flask]:
    """The shared app for one test, starting from the slate; put back as it was afterwards."""
    committed = request.node.get_closest_marker("committed") is not None
    if committed and slate.holding is not None:
        raise pytest.UsageError("a test on data built once per module cannot be `committed`")
    saved = copy.deepcopy(dict(application.config))
    application.instance_path = str(tmp_path / "instance")
    Path(application.instance_path).mkdir()
    application.extensions.pop("portal_search", None)
    # The limiter is one object for every app of the process, and a test that makes an app
    # of its own with rate limits on (tests/auth/test_abuse.py) leaves it switched on.
    limiter.enabled = bool(application.config["RATELIMIT_ENABLED"])
    application.extensions.pop("portal_refusals", None)  # each test counts refusals afresh
    try:
        with application.app_context(), slate.isolated(db, committed=committed):
            yield application
    finally:
        application.config.clear()
        application.config.update(saved)
        application.extensions.pop("portal_search", None)


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
