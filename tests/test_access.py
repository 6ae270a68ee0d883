"""Every route declares its access, and each is tried as every role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import Marking, Role
from portal.policy import declared_access
from tests import factories
from tests.conftest import api_token_for
from tests.intelligence.helpers import attachment_url

# endpoint -> (method, url, {role or "anonymous": expected status}).
# The url may be a callable taking the `world` fixture (a provider, an item of each
# marking by a police officer) for routes that need a record. The signed-in user
# is in MERTON. Adding a route without adding it here fails
# test_every_route_is_in_the_access_table.
SIGNED_IN_PAGE = {
    "anonymous": 302,
    Role.VIEWER: 200,
    Role.MEMBER: 200,
    Role.CHAIR: 200,
    Role.ADMIN: 200,
}
EVERYONE = dict.fromkeys(["anonymous", *Role], 200)
# Pages for those who log intelligence: members and chairs.
LOGGERS_ONLY = {
    "anonymous": 302,
    Role.VIEWER: 403,
    Role.MEMBER: 200,
    Role.CHAIR: 200,
    Role.ADMIN: 403,
}
ADMIN_PAGE = {
    "anonymous": 302,
    Role.VIEWER: 403,
    Role.MEMBER: 403,
    Role.CHAIR: 403,
    Role.ADMIN: 200,
}
SIGNED_IN_API = {"anonymous": 401} | dict.fromkeys(Role, 200)

ACCESS_TABLE = {
    "main.home": ("GET", "/", SIGNED_IN_PAGE),
    "main.health": ("GET", "/healthz", EVERYONE),
    "api.openapi": ("GET", "/api/v1/openapi.json", EVERYONE),
    "search.search": ("GET", "/search?q=care", SIGNED_IN_PAGE),
    "api.api_search": ("GET", "/api/v1/search?q=care", SIGNED_IN_API),
    "auth.sign_in": (
        "GET",
        "/sign-in",
        # Signed-in users are sent on to the home page.
        {"anonymous": 200} | dict.fromkeys(Role, 302),
    ),
    # POST without a CSRF token: refused for everyone, before anything happens.
    "auth.sign_out": ("POST", "/sign-out", dict.fromkeys(["anonymous", *Role], 400)),
    # Providers: every role browses; administrators create, edit and import.
    "providers.list_providers": ("GET", "/providers", SIGNED_IN_PAGE),
    "providers.view_provider": (
        "GET",
        lambda world: f"/providers/{world.provider.id}",
        SIGNED_IN_PAGE,
    ),
    "providers.create_provider": ("GET", "/providers/new", ADMIN_PAGE),
    "providers.edit_provider": (
        "GET",
        lambda world: f"/providers/{world.provider.id}/edit",
        ADMIN_PAGE,
    ),
    "providers.import_providers": ("GET", "/providers/import", ADMIN_PAGE),
    "api.providers_list": ("GET", "/api/v1/providers", SIGNED_IN_API),
    "api.provider_detail": (
        "GET",
        lambda world: f"/api/v1/providers/{world.provider.id}",
        SIGNED_IN_API,
    ),
    # Intelligence: logging is for members and chairs; reading follows the item's marking.
    "intelligence.new_item": ("GET", "/intelligence/new", LOGGERS_ONLY),
    "intelligence.list_items": ("GET", "/intelligence", SIGNED_IN_PAGE),
    "intelligence.my_agency_items": ("GET", "/intelligence/mine", SIGNED_IN_PAGE),
    "intelligence.view_item": (
        "GET",
        lambda world: f"/intelligence/{world.items[Marking.GREEN].id}",
        SIGNED_IN_PAGE,
    ),
    "intelligence.view_revision": (
        "GET",
        lambda world: f"/intelligence/{world.items[Marking.GREEN].id}/revisions/1",
        SIGNED_IN_PAGE,
    ),
    "intelligence.download_attachment": ("GET", attachment_url, SIGNED_IN_PAGE),
    # The item is a police officer's: a council member is not its author, a chair may edit it.
    "intelligence.edit_item": (
        "GET",
        lambda world: f"/intelligence/{world.items[Marking.GREEN].id}/edit",
        LOGGERS_ONLY | {Role.MEMBER: 403},
    ),
    "intelligence.withdraw_item": (
        "GET",
        lambda world: f"/intelligence/{world.items[Marking.GREEN].id}/withdraw",
        LOGGERS_ONLY | {Role.MEMBER: 403},
    ),
    # An empty body is refused with 422 only once the caller may write at all.
    "api.create_intelligence": (
        "POST",
        "/api/v1/intelligence",
        {"anonymous": 401, Role.VIEWER: 403, Role.MEMBER: 422, Role.CHAIR: 422, Role.ADMIN: 403},
    ),
    "api.get_intelligence": (
        "GET",
        lambda world: f"/api/v1/intelligence/{world.items[Marking.GREEN].id}",
        EVERYONE | {"anonymous": 401},
    ),
    # ECM upload: members and chairs of a council (the signed-in user's MERTON is one).
    "ecm.import_log": ("GET", "/care-monitoring/import", LOGGERS_ONLY),
    # Contract visits: council members and chairs record; a GREEN visit is read by everyone.
    "visits.new_visit": (
        "GET",
        lambda world: f"/providers/{world.provider.id}/contract-visits/new",
        LOGGERS_ONLY,
    ),
    "visits.view_visit": (
        "GET",
        lambda world: f"/contract-visits/{world.visit.id}",
        SIGNED_IN_PAGE,
    ),
    "visits.visit_report": (
        "GET",
        lambda world: f"/contract-visits/{world.visit.id}/report.pdf?preview=1",
        SIGNED_IN_PAGE,
    ),
    "api.create_contract_visit": (
        "POST",
        "/api/v1/contract-visits",
        {"anonymous": 401, Role.VIEWER: 403, Role.MEMBER: 422, Role.CHAIR: 422, Role.ADMIN: 403},
    ),
    "api.get_contract_visit": (
        "GET",
        lambda world: f"/api/v1/contract-visits/{world.visit.id}",
        EVERYONE | {"anonymous": 401},
    ),
}
UNDECLARED_ALLOWED = {"static"}


@pytest.fixture
def world(app):
    """A provider and one item of each marking, logged by a police officer."""
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    provider = factories.provider(name="Cedar Lodge Care Home")
    items = {marking: factories.item(officer, marking, provider) for marking in Marking}
    harrow = factories.user(Role.MEMBER, factories.agency("HARROW"))
    visit = factories.contract_visit(harrow, provider, Marking.GREEN)
    db.session.commit()
    return SimpleNamespace(provider=provider, items=items, officer=officer, visit=visit)


def test_every_route_declares_its_access():
    app = create_app({"env": "test", "database_url": "sqlite://"})
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in UNDECLARED_ALLOWED and declared_access(view) is None
    ]
    assert missing == [], f"routes without an access declaration: {missing}"


def test_every_route_is_in_the_access_table():
    app = create_app({"env": "test", "database_url": "sqlite://"})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - UNDECLARED_ALLOWED
    assert endpoints == set(ACCESS_TABLE)


CASES = [
    pytest.param(endpoint, who, id=f"{endpoint}-{who}")
    for endpoint, (_, _, expected) in ACCESS_TABLE.items()
    for who in expected
]


@pytest.mark.parametrize(("endpoint", "who"), CASES)
def test_each_role_gets_the_expected_answer_from_each_route(client, login_as, world, endpoint, who):
    method, url, expected = ACCESS_TABLE[endpoint]
    if callable(url):
        url = url(world)
    headers = {}
    if who != "anonymous":
        user = login_as(who)
        if url.startswith("/api/"):
            # The API ignores the session cookie: it signs in with a bearer token.
            client.delete_cookie("session")
            headers["Authorization"] = f"Bearer {api_token_for(user)}"
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == expected[who]
    if response.status_code == 302 and who == "anonymous":
        assert "/sign-in" in response.headers["Location"]
