"""Fixtures for signing in: an officer with a password, a clock for their codes."""

from __future__ import annotations

import pytest

from portal.auth import second_factor
from portal.auth.services import hash_password
from portal.extensions import db
from portal.models import Role
from tests import factories
from tests.auth.entra_provider import entra_server  # noqa: F401  (a session fixture)
from tests.auth.entra_setup import asha, entra  # noqa: F401  (fixtures)
from tests.auth.helpers import TestClock
from tests.auth.oidc_provider import oidc_provider  # noqa: F401  (a session fixture)

PASSWORD = "a long enough passphrase"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> TestClock:
    """The TOTP clock, fixed until the test moves it."""
    test_clock = TestClock()
    monkeypatch.setattr(second_factor, "clock", test_clock)
    return test_clock


@pytest.fixture
def officer(app):
    """A Merton member with a local password (not yet enrolled for the second factor)."""
    user = factories.user(
        Role.MEMBER,
        factories.agency("MERTON"),
        email="officer@merton.gov.uk",
        password_hash=hash_password(PASSWORD),
    )
    db.session.commit()
    return user
