"""A person at a browser: signs in, follows links, fills forms; every page reached is checked.

Journeys read as what someone does, so a new one is a few lines:

    person = Person(new_context(javascript), site, scene.chair)
    person.sign_in()
    person.navigate("Meetings")
    person.follow("June 2027 meeting")
    person.follow("Issue the pack")
    person.press("Issue version 1")
    pdf = person.download("Download the PDF")

Each kind of page a person arrives at in a browser with JavaScript is checked (once per
database) with axe-core for WCAG 2.2 A and AA; a violation fails the test with the
rule and the offending elements. Every page a person arrives at, with JavaScript or
without, must also fit a phone's and a desktop's window (375 and 1280 px wide): the
document no wider than the window; a wide table scrolls in its own box. ``capture(name)``
saves a screenshot for the README, at both widths.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import pytest
from playwright.sync_api import ViewportSize, expect

from portal.auth import second_factor
from portal.config import PROJECT_ROOT
from tests.browser.site import AXE_SCRIPT, Account, Site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response

#: The WCAG 2.2 A and AA rules (axe-core tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
#: The windows every page must fit: a phone's (375 px wide) and a desktop's.
PHONE: ViewportSize = {"width": 375, "height": 812}
WINDOWS = (PHONE, VIEWPORT)
#: Where screenshots go: `make screens` points this at docs/screenshots.
SCREENSHOTS_ENV = "PORTAL_SCREENSHOTS_DIR"
DEFAULT_SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
#: The screenshots the README shows, by file name.
SCREENS = (
    "sign-in",
    "home",
    "heatmap",
    "search",
    "provider",
    "log-intelligence",
    "meeting-pack",
    "pack-heatmap",
)
#: Those also taken on a phone, as NAME-phone.png.
PHONE_SCREENS = ("sign-in", "home", "search", "provider", "log-intelligence", "meeting-pack")

_NUMBER = re.compile(r"/\d+(?=/|$)")


#: The authenticator time step of the last sign-in: the portal accepts each step once per
#: account, so every sign-in in the browser tests happens at a step of its own.
_STEPS = [int(time.time() // second_factor.STEP_SECONDS)]


def next_code(secret: str) -> str:
    """A fresh code: the live server's second-factor clock moves on one step (it runs in this
    process, as the accounts tests' controlled clock does), and the code is that step's."""
    _STEPS[0] += 1
    at = _STEPS[0] * second_factor.STEP_SECONDS + 1
    second_factor.clock = lambda: at
    return str(pyotp.TOTP(secret).at(at))


@dataclass
class Browsing:
    """A browser context (its own cookies and downloads), with or without JavaScript."""

    context: BrowserContext
    javascript: bool


def new_browser_context(browser: Browser, javascript: bool = True, **options: Any) -> Browsing:
    """A context like a person's browser, with or without JavaScript.

    With JavaScript the context bypasses the Content Security Policy: axe-core is put into
    each page as an inline script, which the portal's policy (no inline scripts) refuses.
    test_the_pages_own_scripts_run_under_the_strict_content_security_policy covers the policy.
    """
    context = browser.new_context(
        java_script_enabled=javascript,
        bypass_csp=javascript,
        viewport=VIEWPORT,
        accept_downloads=True,
        **options,
    )
    return Browsing(context, javascript)


def screenshots_folder() -> Path:
    """The folder the suite writes its screenshots to."""
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or DEFAULT_SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def page_kind(url: str) -> str:
    """A page's path with ids as N and the names of its query arguments: one axe check each."""
    path, _, query = url.partition("?")
    path = _NUMBER.sub("/N", path.split("://", 1)[-1].split("/", 1)[-1])
    names = sorted({part.split("=", 1)[0] for part in query.split("&") if part})
    return "/" + path + ("?" + "&".join(names) if names else "")


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 A and AA violations on the page as it is, one line each."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }""",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: {', '.join(v['targets'])}" for v in violations
    ]


#: The document's width and the window's, and the elements that stick out of the window
#: other than from inside a box that scrolls (the culprits, for the failure message).
_WIDTHS = """() => {
    const window_width = window.innerWidth;
    const scrolls = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
    const culprits = [];
    for (const e of document.body.querySelectorAll("*")) {
        if (e.getBoundingClientRect().right <= window_width + 0.5) continue;
        let up = e.parentElement;  // the page itself scrolls (html): only boxes within count
        while (up && up !== document.body && !scrolls(up)) up = up.parentElement;
        if (up && up !== document.body) continue;
        const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
            + (e.classList.length ? "." + [...e.classList].join(".") : "");
        culprits.push(name + " (" + Math.round(e.getBoundingClientRect().right) + " px)");
    }
    return {document: document.documentElement.scrollWidth, window: window_width,
            culprits: culprits.slice(-3)};
}"""


def fit_problems(page: Page) -> list[str]:
    """Where the page is wider than a 375 or a 1280 px window, one line per window; the
    page is left at the window size it had."""
    problems = []
    before = page.viewport_size or VIEWPORT
    try:
        for window in WINDOWS:
            page.set_viewport_size(window)
            measured: dict[str, Any] = page.evaluate(_WIDTHS)
            if measured["document"] > measured["window"]:
                problems.append(
                    f"{measured['document']} px wide in a {measured['window']} px window "
                    f"(sticking out: {', '.join(measured['culprits']) or 'nothing named'})"
                )
    finally:
        page.set_viewport_size(before)
    return problems


class Person:
    """Someone using the portal in one browser context."""

    def __init__(self, browsing: Browsing, site: Site, account: Account) -> None:
        self.page: Page = browsing.context.new_page()
        self.javascript = browsing.javascript
        self.site = site
        self.account = account
        self.status = 0  # of the last page the browser navigated to
        self.page.on("response", self._remember_status)

    def _remember_status(self, response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self.status = response.status

    # --- arriving at pages -----------------------------------------------------------------

    def arrived(self) -> None:
        """Checks that every page a person reaches fits a 375 and a 1280 px window, and each
        kind of page (once per database) with axe-core.

        A kind is the path and argument names, whether the page is an error page, and
        whether it shows a form's errors: each looks different, so each is checked.
        """
        too_wide = fit_problems(self.page)
        if too_wide:
            pytest.fail(
                f"{self.page.url} does not fit the window:\n  " + "\n  ".join(too_wide),
                pytrace=False,
            )
        kind = f"{page_kind(self.page.url)} {self.status}"
        if self.page.title().startswith("Error:"):
            kind += " with errors"
        if not self.javascript or kind in self.site.checked_pages:
            return
        self.site.checked_pages.add(kind)
        problems = accessibility_problems(self.page)
        if problems:
            pytest.fail(
                f"{self.page.url} breaks WCAG 2.2 AA:\n  " + "\n  ".join(problems), pytrace=False
            )

    def visit(self, path: str) -> None:
        """Type an address into the browser."""
        self.page.goto(self.site(path))
        self.arrived()

    def follow(self, link: str | re.Pattern[str], within: Locator | None = None) -> None:
        """Click a link by its text, or a pattern of it (in the main content unless told where)."""
        scope = within or self.main
        with self.page.expect_navigation():
            scope.get_by_role("link", name=link, exact=True).first.click()
        self.arrived()

    def navigate(self, link: str) -> None:
        """Click a link in the service navigation."""
        self.follow(link, within=self.page.get_by_role("navigation", name="Main"))

    def press(self, button: str) -> None:
        """Press a button that sends a form, and wait for the next page."""
        with self.page.expect_navigation():
            self.main.get_by_role("button", name=button, exact=True).click()
        self.arrived()

    def back(self) -> None:
        """Press the browser's Back button."""
        self.page.go_back()
        self.arrived()

    def download(self, link: str | re.Pattern[str]) -> bytes:
        """Follow a link that downloads a file (by its text, or a pattern of it); its bytes."""
        with self.page.expect_download() as started:
            self.main.get_by_role("link", name=link).first.click()
        path = started.value.path()
        return Path(path).read_bytes()

    def capture(self, name: str) -> None:
        """A screenshot of what is on screen, for the README (in the browser with JavaScript);
        the main pages also on a phone, from the top of the page, as NAME-phone.png."""
        assert name in SCREENS, f"add {name!r} to SCREENS"
        if not self.javascript:
            return
        self.page.screenshot(path=screenshots_folder() / f"{name}.png")
        if name in PHONE_SCREENS:
            try:
                self.page.set_viewport_size(PHONE)
                self.page.evaluate("window.scrollTo(0, 0)")
                self.page.screenshot(path=screenshots_folder() / f"{name}-phone.png")
            finally:
                self.page.set_viewport_size(VIEWPORT)

    # --- what is on the page ---------------------------------------------------------------

    @property
    def main(self) -> Locator:
        """The page's main content."""
        return self.page.locator("main")

    def field(self, label: str) -> Locator:
        """A form control by its label, exactly."""
        return self.main.get_by_label(label, exact=True)

    def choose(self, group: str, option: str) -> None:
        """Pick a radio in a group (a fieldset's legend), by the start of its label."""
        self.main.get_by_role("group", name=group).get_by_role(
            "radio", name=re.compile("^" + re.escape(option))
        ).check()

    def tick(self, group: str, option: str) -> None:
        """Tick a checkbox in a group, by its label."""
        self.main.get_by_role("group", name=group).get_by_role(
            "checkbox", name=option, exact=True
        ).check()

    def heading(self) -> str:
        """The page's h1."""
        return self.main.get_by_role("heading", level=1).inner_text()

    def expect_heading(self, text: str | re.Pattern[str]) -> None:
        """The page's h1 is this."""
        expect(self.main.get_by_role("heading", level=1)).to_have_text(text)

    # --- the things everyone does ----------------------------------------------------------

    def sign_in(self, lands_on: str = "Dashboard") -> None:
        """Sign in through the form (from the sign-in page if already there) and land.

        The one place that knows how to sign in: when accounts get a second factor
        (issue 19), the code page is answered here.
        """
        if not self.page.url.startswith(self.site("/sign-in")):
            self.visit("/sign-in")
        self.field("Email address").fill(self.account.email)
        self.field("Password").fill(self.account.password)
        self.press("Sign in")
        if self.heading() == "Enter the code from your authenticator app":
            self.field("Code from your authenticator app, or a recovery code").fill(
                next_code(self.account.totp_secret)
            )
            self.press("Sign in")
        expect(self.page.locator("header")).to_contain_text(self.account.name)
        self.expect_heading(lands_on)
