"""Single sign-on through the sign-in page's own button, in Chromium, with the policy enforced.

Chromium checks a form's `form-action` on every redirect that follows the form, so a
sign-in form whose redirects ended at the identity provider did nothing in Chrome and Edge.
These journeys press the real button in a browser that enforces the portal's Content
Security Policy (the other journeys' browsers with JavaScript bypass it, for axe-core), sign
in at the suite's OpenID provider (oidc-provider on its own loopback port), and sign out of
both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.extensions import db
from portal.models import Agency, IdentityProvider
from tests.auth.oidc_provider import OidcProvider, running_provider
from tests.browser.people import VIEWPORT
from tests.browser.site import Scene, Site

SECRET_ENV = "PORTAL_TEST_BROWSER_OIDC_SECRET"
SECRET = "browser-client-secret"  # noqa: S105 - the test provider's client secret


@pytest.fixture(scope="module")
def identity_provider(site: Site) -> Iterator[OidcProvider]:
    """Merton's provider, registered with the live site's addresses, and set up in the portal."""
    client = {
        "client_id": "portal-browser",
        "client_secret": SECRET,
        "redirect_uris": [site("/sign-in/sso/MERTON/callback")],
        "post_logout_redirect_uris": [site("/sign-in")],
        "code_ttl": 60,
    }
    os.environ[SECRET_ENV] = SECRET
    try:
        with running_provider([client]) as provider, site.app.app_context():
            merton = db.session.query(Agency).filter_by(code="MERTON").one()
            db.session.add(
                IdentityProvider(
                    agency=merton,
                    name="Merton staff account",
                    issuer=provider.issuer,
                    client_id="portal-browser",
                    client_secret_env=SECRET_ENV,
                    email_domains="merton.gov.uk",
                )
            )
            db.session.commit()
            yield provider
    finally:
        os.environ.pop(SECRET_ENV, None)


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A page in a browser that enforces the Content Security Policy, with and without JS."""
    context = browser.new_context(
        java_script_enabled=request.param, bypass_csp=False, viewport=VIEWPORT
    )
    # The provider's pages import a web font; there is no network to fetch it from.
    context.route(re.compile(r"^https://fonts\."), lambda route: route.abort())
    yield context.new_page()
    context.close()


def refused_by_policy(page: Page) -> list[str]:
    """The console's Content Security Policy refusals, collected from now on."""
    refusals: list[str] = []
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refusals


def sign_in_at_provider(page: Page, provider: OidcProvider, login: str) -> None:
    """The provider's own pages: its login form, then its consent."""
    expect(page.locator("input[name=login]")).to_be_visible()
    assert page.url.startswith(provider.issuer)
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign-in").click()
    if page.get_by_role("button", name="Continue").count():
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def test_an_officer_signs_in_with_the_button_and_out_of_both(
    page: Page, site: Site, scene: Scene, identity_provider: OidcProvider
) -> None:
    refusals = refused_by_policy(page)
    page.goto(site("/sign-in"))
    main = page.locator("main")
    main.get_by_label("Your organisation", exact=True).select_option(value="MERTON")
    main.get_by_role("button", name="Continue to your organisation").click()

    # The button reaches the provider: its login form, on its own origin.
    sign_in_at_provider(page, identity_provider, "fiona")
    expect(page.locator("header")).to_contain_text(scene.member.name)
    expect(page.locator("main h1")).to_have_text("Dashboard")
    assert page.url == site("/")

    with page.expect_navigation(url=re.compile(re.escape(identity_provider.issuer))):
        page.locator("header").get_by_role("button", name="Sign out").click()
    with page.expect_navigation(url=re.compile(re.escape(site("/sign-in")))):
        page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.locator("main h1")).to_have_text("Sign in")
    assert not refusals, refusals

    # Choosing the organisation again asks who is there, rather than signing Fiona back in.
    page.goto(site("/sign-in"))
    main.get_by_role("textbox", name="Or your work email address").fill("someone@merton.gov.uk")
    main.get_by_role("button", name="Continue to your organisation").click()
    expect(page.locator("input[name=login]")).to_be_visible()
    assert page.url.startswith(identity_provider.issuer)
