"""Every route declares its access, and each is tried as every role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from portal import create_app
from portal.extensions import db
from portal.models import Marking, Role
from portal.policy import declared_access
from tests import factories
from tests.conftest import api_token_for, app_on
from tests.databases import CleanSlate
from tests.intelligence.helpers import attachment_url
from tests.meetings.helpers import meeting_world

# endpoint -> (method, url, {role or "anonymous": expected status}).
# The url may be a callable taking the `world` fixture (a provider, an item of each
# marking by a police officer) for routes that need a record. The signed-in user
# is in MERTON, unless "who" is one of the chairs of another agency in OTHER_CHAIRS.
# Adding a route without adding it here fails test_every_route_is_in_the_access_table.
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
# What only meeting chairs do: run meetings, provider concerns and embargoes.
CHAIRS_ONLY = {
    "anonymous": 302,
    Role.VIEWER: 403,
    Role.MEMBER: 403,
    Role.CHAIR: 200,
    Role.ADMIN: 403,
}
# Meetings: members and chairs of an invited agency read them; chairs run them.
MEETING_READERS = LOGGERS_ONLY
# A POST without a CSRF token is refused for everyone before anything happens; the roles'
# answers to real posts are in tests/meetings/test_meeting_access.py.
NO_CSRF = dict.fromkeys(["anonymous", *Role], 400)
# The API answers 404 to anyone who may not read the meeting or its pack.
MEETING_API = {
    "anonymous": 401,
    Role.VIEWER: 404,
    Role.MEMBER: 200,
    Role.CHAIR: 200,
    Role.ADMIN: 404,
}

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
    # Provider concerns and embargoes: every role reads them; only chairs change them or print
    # the notice to other boroughs. world.watched has an open concern and an embargo in force.
    "concerns.start_concern": (
        "GET",
        lambda world: f"/providers/{world.provider.id}/concerns/new",
        CHAIRS_ONLY,
    ),
    "concerns.view_concern": (
        "GET",
        lambda world: f"/concerns/{world.concern.id}",
        SIGNED_IN_PAGE,
    ),
    "concerns.record_stage": (
        "GET",
        lambda world: f"/concerns/{world.concern.id}/stages/new",
        CHAIRS_ONLY,
    ),
    "concerns.place_embargo": (
        "GET",
        lambda world: f"/providers/{world.provider.id}/embargoes/new",
        CHAIRS_ONLY,
    ),
    "concerns.view_embargo": (
        "GET",
        lambda world: f"/embargoes/{world.embargo.id}",
        SIGNED_IN_PAGE,
    ),
    "concerns.lift_embargo": (
        "GET",
        lambda world: f"/embargoes/{world.embargo.id}/lift",
        CHAIRS_ONLY,
    ),
    "concerns.record_notices": (
        "GET",
        lambda world: f"/embargoes/{world.embargo.id}/notices/new",
        CHAIRS_ONLY,
    ),
    "concerns.preview_notice": (
        "GET",
        lambda world: f"/embargoes/{world.embargo.id}/notice",
        CHAIRS_ONLY,
    ),
    "concerns.download_notice": (
        "GET",
        lambda world: f"/embargoes/{world.embargo.id}/notice.pdf",
        CHAIRS_ONLY,
    ),
}
# Forms that change something: without a CSRF token every POST is refused before anything
# happens; tests/admin/test_admin_pages.py sends each with its token as every role.
REFUSED_WITHOUT_CSRF = dict.fromkeys(["anonymous", *Role], 400)
ACCESS_TABLE |= {
    # Accounts: sign-in steps are public, and each answers only its own stage.
    "auth.account": ("GET", "/account", SIGNED_IN_PAGE),
    "mail.preferences_page": ("GET", "/account/email", SIGNED_IN_PAGE),
    "auth.sign_out_everywhere": ("POST", "/account/sign-out-everywhere", REFUSED_WITHOUT_CSRF),
    "auth.revoke_my_token": ("POST", "/account/tokens/1/revoke", REFUSED_WITHOUT_CSRF),
    # A link that opens nothing is answered "this link does not work", to everyone.
    "auth.set_up_account": (
        "GET",
        "/account/set-up/not-a-link",
        dict.fromkeys(["anonymous", *Role], 404),
    ),
    # Without a password just given, the second-factor steps send everyone back to sign in.
    "auth.set_up_second_factor": (
        "GET",
        "/sign-in/second-factor/set-up",
        dict.fromkeys(["anonymous", *Role], 302),
    ),
    "auth.second_factor_check": (
        "GET",
        "/sign-in/second-factor",
        dict.fromkeys(["anonymous", *Role], 302),
    ),
    "auth.choose_single_sign_on": ("POST", "/sign-in/sso", REFUSED_WITHOUT_CSRF),
    # No agency here offers single sign-on: a page that says so, to everyone.
    "auth.single_sign_on": ("GET", "/sign-in/sso/MPS", dict.fromkeys(["anonymous", *Role], 400)),
    "auth.sso_callback": (
        "GET",
        "/sign-in/sso/MPS/callback",
        dict.fromkeys(["anonymous", *Role], 400),
    ),
    # Administration: administrators only.
    "admin.index": ("GET", "/admin", ADMIN_PAGE),
    "admin.agencies": ("GET", "/admin/agencies", ADMIN_PAGE),
    "admin.new_agency": ("GET", "/admin/agencies/new", ADMIN_PAGE),
    "admin.identity_provider": (
        "GET",
        lambda world: f"/admin/agencies/{world.officer.agency_id}/identity-provider",
        ADMIN_PAGE,
    ),
    "admin.users": ("GET", "/admin/users", ADMIN_PAGE),
    "admin.invite_user": ("GET", "/admin/users/new", ADMIN_PAGE),
    "admin.user": ("GET", lambda world: f"/admin/users/{world.officer.id}", ADMIN_PAGE),
    "admin.change_role": ("POST", "/admin/users/1/role", REFUSED_WITHOUT_CSRF),
    "admin.deactivate_user": ("POST", "/admin/users/1/deactivate", REFUSED_WITHOUT_CSRF),
    "admin.reactivate_user": ("POST", "/admin/users/1/reactivate", REFUSED_WITHOUT_CSRF),
    "admin.reset_second_factor": (
        "POST",
        "/admin/users/1/reset-second-factor",
        REFUSED_WITHOUT_CSRF,
    ),
    "admin.set_up_link": ("POST", "/admin/users/1/set-up-link", REFUSED_WITHOUT_CSRF),
    "admin.tokens": ("GET", "/admin/tokens", ADMIN_PAGE),
    "admin.revoke_token": ("POST", "/admin/tokens/1/revoke", REFUSED_WITHOUT_CSRF),
    "admin.audit_events": ("GET", "/admin/audit", ADMIN_PAGE),
    "admin.audit_export": ("GET", "/admin/audit.csv", ADMIN_PAGE),
    "meetings.list_meetings": ("GET", "/meetings", MEETING_READERS),
    "meetings.new_meeting": ("GET", "/meetings/new", CHAIRS_ONLY),
    "meetings.view_meeting": ("GET", lambda w: f"/meetings/{w.meeting.id}", MEETING_READERS),
    "meetings.add_provider": (
        "GET",
        lambda w: f"/meetings/{w.meeting.id}/agenda/add?q=cedar",
        CHAIRS_ONLY,
    ),
    "meetings.remove_provider": (
        "GET",
        lambda w: f"/meetings/{w.meeting.id}/agenda/{w.provider.id}/remove",
        CHAIRS_ONLY,
    ),
    "meetings.restore_provider": (
        "POST",
        lambda w: f"/meetings/{w.meeting.id}/agenda/{w.provider.id}/restore",
        NO_CSRF,
    ),
    "meetings.move_provider": (
        "POST",
        lambda w: f"/meetings/{w.meeting.id}/agenda/{w.provider.id}/move",
        NO_CSRF,
    ),
    "meetings.save_order": ("POST", lambda w: f"/meetings/{w.meeting.id}/agenda/order", NO_CSRF),
    "meetings.note_selected": (
        "POST",
        lambda w: f"/meetings/{w.meeting.id}/agenda/noting",
        NO_CSRF,
    ),
    "meetings.remove_selected": (
        "POST",
        lambda w: f"/meetings/{w.meeting.id}/agenda/remove",
        NO_CSRF,
    ),
    "meetings.list_provider": (
        "POST",
        lambda w: f"/meetings/{w.meeting.id}/agenda/{w.provider.id}/list",
        NO_CSRF,
    ),
    "meetings.preview_pack": ("GET", lambda w: f"/meetings/{w.meeting.id}/pack", CHAIRS_ONLY),
    "meetings.confirm_issue_pack": (
        "GET",
        lambda w: f"/meetings/{w.meeting.id}/packs/new",
        CHAIRS_ONLY,
    ),
    "meetings.issue_pack": ("POST", lambda w: f"/meetings/{w.meeting.id}/packs", NO_CSRF),
    "meetings.view_pack": ("GET", lambda w: f"/meetings/{w.meeting.id}/packs/1", MEETING_READERS),
    "meetings.download_pack": (
        "GET",
        lambda w: f"/meetings/{w.meeting.id}/packs/1.pdf",
        MEETING_READERS,
    ),
    "meetings.view_minutes": (
        "GET",
        lambda w: f"/meetings/{w.meeting.id}/minutes",
        MEETING_READERS,
    ),
    "meetings.add_attendee": ("POST", lambda w: f"/meetings/{w.meeting.id}/attendees", NO_CSRF),
    "meetings.record_discussion": (
        "GET",
        lambda w: f"/meetings/{w.meeting.id}/providers/{w.provider.id}/discussion",
        CHAIRS_ONLY,
    ),
    "meetings.new_action": ("GET", lambda w: f"/meetings/{w.meeting.id}/actions/new", CHAIRS_ONLY),
    # The action is owned by MERTON, the signed-in user's agency.
    "meetings.update_action": (
        "GET",
        lambda w: f"/meetings/actions/{w.action.id}",
        MEETING_READERS,
    ),
    # Actions across the meetings the user may read: members and chairs.
    "meetings.list_actions": ("GET", "/meetings/actions", MEETING_READERS),
    "meetings.confirm_minutes_approval": (
        "GET",
        lambda w: f"/meetings/{w.meeting.id}/minutes/approve",
        CHAIRS_ONLY,
    ),
    "meetings.approve_minutes": (
        "POST",
        lambda w: f"/meetings/{w.meeting.id}/minutes/approve",
        NO_CSRF,
    ),
    "meetings.download_minutes": (
        "GET",
        lambda w: f"/meetings/{w.approved.id}/minutes.pdf",
        MEETING_READERS,
    ),
    "api.meetings_list": ("GET", "/api/v1/meetings", SIGNED_IN_API),
    "api.meeting_detail": ("GET", lambda w: f"/api/v1/meetings/{w.meeting.id}", MEETING_API),
    "api.create_meeting": (
        "POST",
        "/api/v1/meetings",
        {"anonymous": 401, Role.VIEWER: 403, Role.MEMBER: 403, Role.CHAIR: 422, Role.ADMIN: 403},
    ),
    "api.issue_meeting_pack": (
        "POST",
        lambda w: f"/api/v1/meetings/{w.meeting.id}/packs",
        {"anonymous": 401, Role.VIEWER: 403, Role.MEMBER: 403, Role.CHAIR: 201, Role.ADMIN: 403},
    ),
    "api.meeting_pack_pdf": (
        "GET",
        lambda w: f"/api/v1/meetings/{w.meeting.id}/packs/1.pdf",
        MEETING_API,
    ),
    # A job is read by the user who started it, nobody else: this one is another Merton chair's
    # (tests/test_jobs_access.py tries the starter too).
    "jobs.view_job": (
        "GET",
        lambda w: f"/jobs/{w.job.id}",
        {"anonymous": 302} | dict.fromkeys(Role, 404),
    ),
    "api.job_status": (
        "GET",
        lambda w: f"/api/v1/jobs/{w.job.id}",
        {"anonymous": 401} | dict.fromkeys(Role, 404),
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

# Chairs of other agencies, besides the roles of MERTON: Harrow's chair (another borough, not
# invited to the meeting) and the chair of MPS (an agency the meeting invites). The meeting is
# chaired by a Merton chair and hosted by MERTON; the concern and embargo were opened by a
# Merton chair. Harrow's chair is refused everything of Merton's meeting as if it did not
# exist (404) and may not act on Merton's concern or embargo (403, as anyone who reads them);
# the invited chair reads the meeting like a member and runs nothing of it (403, as members).
OTHER_BOROUGH = "other-borough-chair"
INVITED_CHAIR = "invited-chair"
PEOPLE = {OTHER_BOROUGH: (Role.CHAIR, "HARROW"), INVITED_CHAIR: (Role.CHAIR, "MPS")}
# endpoint -> (Harrow chair's answer, invited MPS chair's answer).
OTHER_CHAIRS = {
    "meetings.list_meetings": (200, 200),
    "meetings.new_meeting": (200, 200),
    "meetings.view_meeting": (404, 200),
    "meetings.add_provider": (404, 403),
    "meetings.remove_provider": (404, 403),
    # Posts without a CSRF token are refused before anything else (400); the answers to real
    # posts are in tests/meetings/test_boroughs_run_their_own_meetings.py.
    "meetings.restore_provider": (400, 400),
    "meetings.move_provider": (400, 400),
    "meetings.save_order": (400, 400),
    "meetings.note_selected": (400, 400),
    "meetings.remove_selected": (400, 400),
    "meetings.list_provider": (400, 400),
    "meetings.preview_pack": (404, 403),
    "meetings.confirm_issue_pack": (404, 403),
    "meetings.issue_pack": (400, 400),
    "meetings.view_pack": (404, 200),
    "meetings.download_pack": (404, 200),
    "meetings.view_minutes": (404, 200),
    "meetings.add_attendee": (400, 400),
    "meetings.record_discussion": (404, 403),
    "meetings.new_action": (404, 403),
    # Owned by MERTON: neither may update it (404, as for anyone who may not).
    "meetings.update_action": (404, 404),
    "meetings.list_actions": (200, 200),
    "meetings.confirm_minutes_approval": (404, 403),
    "meetings.approve_minutes": (400, 400),
    "meetings.download_minutes": (404, 200),
    "api.meetings_list": (200, 200),
    "api.meeting_detail": (404, 200),
    "api.create_meeting": (422, 422),
    "api.issue_meeting_pack": (404, 403),
    "api.meeting_pack_pdf": (404, 200),
    # Harrow is a council: its chair opens concerns and embargoes of its own; MPS is not.
    "concerns.start_concern": (200, 403),
    "concerns.view_concern": (200, 200),
    "concerns.record_stage": (403, 403),
    "concerns.place_embargo": (200, 403),
    "concerns.view_embargo": (200, 200),
    "concerns.lift_embargo": (403, 403),
    "concerns.record_notices": (403, 403),
    "concerns.preview_notice": (403, 403),
    "concerns.download_notice": (403, 403),
}
for _endpoint, (_other, _invited) in OTHER_CHAIRS.items():
    _method, _url, _expected = ACCESS_TABLE[_endpoint]
    ACCESS_TABLE[_endpoint] = (
        _method,
        _url,
        _expected | {OTHER_BOROUGH: _other, INVITED_CHAIR: _invited},
    )


def build_world() -> dict[str, Any]:
    """A provider and one item of each marking, logged by a police officer; another provider
    with an open concern and an embargo in force, placed by another Merton chair (the
    signed-in chair acts on them as a chair of that agency; Harrow's chair does not). Built
    once per module and backend."""
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    provider = factories.provider(name="Cedar Lodge Care Home")
    items = {marking: factories.item(officer, marking, provider) for marking in Marking}
    watched = factories.provider(name="Birch House")
    chair = factories.user(Role.CHAIR, factories.agency("MERTON"))
    concern = factories.concern(watched, chair)
    embargo = factories.embargo(watched, chair, boroughs=["Sutton"])
    meeting, action, approved = meeting_world(provider)
    harrow = factories.user(Role.MEMBER, factories.agency("HARROW"))
    visit = factories.contract_visit(harrow, provider, Marking.GREEN)
    job = factories.job(chair)
    db.session.commit()
    return {
        "job": job,
        "provider": provider,
        "items": items,
        "officer": officer,
        "concern": concern,
        "embargo": embargo,
        "meeting": meeting,
        "action": action,
        "approved": approved,
        "visit": visit,
    }


def record_ids(world: dict[str, Any]) -> dict[str, Any]:
    """(model, id) of each record of the world, to load again in each test's session."""
    return {
        name: {key: (type(r), r.id) for key, r in value.items()}
        if isinstance(value, dict)
        else (type(value), value.id)
        for name, value in world.items()
    }


@pytest.fixture(scope="module")
def prepared(shared_app: tuple[Flask, CleanSlate]) -> Iterator[tuple[dict[str, Any], CleanSlate]]:
    """The world's records, built once per module and backend, and the slate each test
    starts from."""
    application, slate = shared_app
    with application.app_context(), slate.prepared(db, lambda: record_ids(build_world())) as ready:
        yield ready


@pytest.fixture
def app(
    shared_app: tuple[Flask, CleanSlate],
    prepared: tuple[dict[str, Any], CleanSlate],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    """The shared app, each test starting from the world (its changes rolled back)."""
    with app_on(shared_app[0], prepared[1], tmp_path, request) as ready:
        yield ready


@pytest.fixture
def world(app: Flask, prepared: tuple[dict[str, Any], CleanSlate]) -> SimpleNamespace:
    """The world's records, in this test's session."""

    def load(key: tuple[type, int]) -> Any:
        return db.session.get(*key)

    return SimpleNamespace(
        **{
            name: {k: load(v) for k, v in value.items()} if isinstance(value, dict) else load(value)
            for name, value in prepared[0].items()
        }
    )


def test_every_route_declares_its_access():
    app = create_app({"env": "test", "database_url": "sqlite://"})
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in UNDECLARED_ALLOWED and declared_access(view) is None
    ]
    assert missing == [], f"routes without an access declaration: {missing}"


def test_every_meeting_concern_and_embargo_route_is_tried_by_the_chairs_of_other_agencies():
    app = create_app({"env": "test", "database_url": "sqlite://"})
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("meetings.", "concerns.", "api.meeting", "api.create_meeting"))
        or rule.endpoint == "api.issue_meeting_pack"
    }
    assert endpoints == set(OTHER_CHAIRS)


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
        user = login_as(*PEOPLE.get(who, (who,)))
        if url.startswith("/api/"):
            # The API ignores the session cookie: it signs in with a bearer token.
            client.delete_cookie("session")
            headers["Authorization"] = f"Bearer {api_token_for(user)}"
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == expected[who]
    if response.status_code == 302 and who == "anonymous":
        assert "/sign-in" in response.headers["Location"]
