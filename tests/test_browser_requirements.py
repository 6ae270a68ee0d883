"""Without Debian's Chromium the browser tests are skipped on a laptop, and fail the run in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import conftest as browser_conftest

BROWSER_TESTS = Path(browser_conftest.__file__).resolve().parent


class _Item:
    """Just enough of a collected test for the hook: where it is and its marks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.marks: list[pytest.MarkDecorator] = []

    def add_marker(self, mark: pytest.MarkDecorator) -> None:
        self.marks.append(mark)


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine without /usr/bin/chromium."""
    monkeypatch.setattr(browser_conftest, "CHROMIUM", tmp_path / "chromium")


def _collect(items: list[_Item]) -> None:
    browser_conftest.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]


def test_without_chromium_a_developer_sees_the_browser_tests_skipped_with_the_reason(
    no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    journey, other = _Item(BROWSER_TESTS / "test_journeys.py"), _Item(Path(__file__))
    _collect([journey, other])
    assert [mark.mark.name for mark in journey.marks] == ["skip"]
    assert "need Debian's Chromium at" in journey.marks[0].mark.kwargs["reason"]
    assert other.marks == []


def test_without_chromium_a_ci_run_fails_instead_of_skipping(
    no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.UsageError, match="CI must run the browser tests"):
        _collect([_Item(BROWSER_TESTS / "test_journeys.py")])


def test_with_chromium_the_browser_tests_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_conftest, "missing_requirement", lambda: None)
    journey = _Item(BROWSER_TESTS / "test_journeys.py")
    _collect([journey])
    assert journey.marks == []
