"""Browser fixtures: Chromium (launched once), a live server with its data per module, contexts.

The tests here need Debian's Chromium at /usr/bin/chromium (never a downloaded browser),
Playwright for Python (the test extras) and axe-core (``npm ci``, run by ``make assets``).
Without them a user's ``make test`` skips this folder with one line saying why; under CI
(``CI`` set) the run fails instead, since a skipped journey proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.site import AXE_SCRIPT, CHROMIUM, STATIC_CSS, Scene, Site, running_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.browser.people import Browsing

HERE = Path(__file__).resolve().parent
JAVASCRIPT = {"with JavaScript": True, "without JavaScript": False}


def missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if not AXE_SCRIPT.exists() or not STATIC_CSS.exists():
        return "browser tests need axe-core and the built styles (make assets)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this folder with the reason on a user's machine; fail the run under CI."""
    ours = [item for item in items if HERE in item.path.parents]
    reason = missing_requirement() if ours else None
    if reason is None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the browser tests, but {reason}")
    for item in ours:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module", autouse=True)
def second_factor_clock() -> Iterator[None]:
    """The browser tests move the second factor's clock (people.next_code); each module
    puts it back, so no later test meets a stopped clock."""
    from portal.auth import second_factor

    real = second_factor.clock
    yield
    second_factor.clock = real


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def pages_checked_with_axe() -> dict[str, set[str]]:
    """database URL -> the kinds of page axe-core has passed there (each is checked once)."""
    return {}


@pytest.fixture(scope="module")
def site(
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    pages_checked_with_axe: dict[str, set[str]],
) -> Iterator[Site]:
    """The portal on a free loopback port, on the suite's database, with the scene's data.

    Shared by the tests of one module; every table is emptied when the module is done.
    """
    with running_site(database_url, tmp_path_factory.mktemp("browser-site")) as running:
        running.checked_pages = pages_checked_with_axe.setdefault(database_url, set())
        yield running


@pytest.fixture(scope="module")
def scene(site: Site) -> Scene:
    """The people, providers and items the journeys start from."""
    return site.scene


@pytest.fixture(params=list(JAVASCRIPT), ids=["js", "no-js"])
def javascript(request: pytest.FixtureRequest) -> bool:
    """Every journey runs twice: in a browser with JavaScript, and in one without."""
    return JAVASCRIPT[request.param]


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., Browsing]]:
    """new_context(javascript=True) -> a fresh browser context (own cookies), closed afterwards."""
    from tests.browser.people import new_browser_context

    opened: list[Browsing] = []

    def make(javascript: bool = True, **options: Any) -> Browsing:
        browsing = new_browser_context(browser, javascript=javascript, **options)
        opened.append(browsing)
        return browsing

    yield make
    for browsing in opened:
        browsing.context.close()
