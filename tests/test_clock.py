"""The portal's one clock: the day a test fixes is the day every page uses."""

from __future__ import annotations

from datetime import date

import pytest

from portal import clock
from tests.conftest import SUITE_DAY


def test_the_day_is_the_machines_unless_a_test_fixes_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(clock, "_fixed_day", None)  # as outside the tests
    assert clock.today() == date.today()
    with clock.fixed_today(date(2026, 11, 23)):
        assert clock.today() == date(2026, 11, 23)
        with clock.fixed_today(date(2020, 1, 1)):
            assert clock.today() == date(2020, 1, 1)
        assert clock.today() == date(2026, 11, 23)
    assert clock.today() == date.today()


def test_the_suite_keeps_the_day_it_began_on():
    assert clock.today() == SUITE_DAY
