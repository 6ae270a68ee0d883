"""/api/v1 answers bearer tokens only: a signed-in browser's session cookie opens nothing there.

The API is exempt from CSRF because it is for bearer tokens; if the cookie opened it, any page
on the same site could make a signed-in browser issue a pack or log an item (issue 30, point 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import ContractVisit, IntelligenceItem, Marking, Meeting, MeetingPack, Role
from tests import factories
from tests.conftest import api_token_for
from tests.intelligence.helpers import api_fields
from tests.meetings.helpers import forget_user, meeting_world, sign_in

PREFIX = "/api/v1/"
#: Public: the OpenAPI document describes the API to anyone.
PUBLIC = {"api.openapi"}
#: Flask answers OPTIONS itself (the Allow header), without calling the view.
UNCALLED = {"OPTIONS"}

# endpoint -> (method, url for the world, JSON body or None, status with a valid token).
Call = tuple[str, Callable[[SimpleNamespace], str], Any, int]
CALLS: dict[str, Call] = {
    "api.providers_list": ("GET", lambda w: "/api/v1/providers", None, 200),
    "api.provider_detail": ("GET", lambda w: f"/api/v1/providers/{w.provider.id}", None, 200),
    "api.api_search": ("GET", lambda w: "/api/v1/search?q=care", None, 200),
    "api.create_intelligence": (
        "POST",
        lambda w: "/api/v1/intelligence",
        "intelligence",
        201,
    ),
    "api.get_intelligence": ("GET", lambda w: f"/api/v1/intelligence/{w.item.id}", None, 200),
    "api.meetings_list": ("GET", lambda w: "/api/v1/meetings", None, 200),
    "api.meeting_detail": ("GET", lambda w: f"/api/v1/meetings/{w.meeting.id}", None, 200),
    "api.create_meeting": ("POST", lambda w: "/api/v1/meetings", "meeting", 201),
    "api.issue_meeting_pack": (
        "POST",
        lambda w: f"/api/v1/meetings/{w.meeting.id}/packs",
        None,
        201,
    ),
    "api.meeting_pack_pdf": (
        "GET",
        lambda w: f"/api/v1/meetings/{w.meeting.id}/packs/1.pdf",
        None,
        200,
    ),
    "api.create_contract_visit": ("POST", lambda w: "/api/v1/contract-visits", "visit", 201),
    "api.job_status": ("GET", lambda w: f"/api/v1/jobs/{w.job.id}", None, 200),
    "api.get_contract_visit": (
        "GET",
        lambda w: f"/api/v1/contract-visits/{w.visit.id}",
        None,
        200,
    ),
}


def _body(kind: Any, w: SimpleNamespace) -> Any:
    """The valid JSON body a POST needs (None: an empty body will do)."""
    if kind == "intelligence":
        return api_fields(w.provider.id)
    if kind == "meeting":
        return {"held_on": "2026-12-17", "title": "December meeting", "agencies": ["MPS"]}
    if kind == "visit":
        return {
            "provider_id": w.provider.id,
            "visited_on": "2026-10-06",
            "visit_type": "announced",
            "overall": "poor",
            "spoke_to": ["manager"],
            "findings": {"dignity": {"result": "partly met", "evidence": "Mixed."}},
        }
    return None


def _api_routes(app: Flask) -> set[tuple[str, str]]:
    """(endpoint, method) for every /api/v1 route and method the app answers with a view."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX)
        for method in rule.methods or ()
        if method not in UNCALLED
    }


def _world() -> SimpleNamespace:
    """A provider and an item; a meeting chaired by a MERTON chair, with an issued pack
    version 1; a contract visit by that chair (MERTON is a council); a job the chair started."""
    provider = factories.provider(name="Cedar Lodge Care Home")
    meeting, _, _ = meeting_world(provider)
    chair = meeting.chair
    item = factories.item(chair, Marking.GREEN, provider)
    visit = factories.contract_visit(chair, provider, Marking.GREEN)
    viewer = factories.user(Role.VIEWER, factories.agency("MERTON"))
    job = factories.job(chair)
    db.session.commit()
    return SimpleNamespace(
        provider=provider,
        meeting=meeting,
        chair=chair,
        item=item,
        visit=visit,
        viewer=viewer,
        job=job,
    )


def _counts() -> dict[str, int]:
    """Rows of what the API's POSTs write."""
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (MeetingPack, IntelligenceItem, Meeting, ContractVisit)
    }


def _call(
    client: FlaskClient,
    w: SimpleNamespace,
    endpoint: str,
    method: str,
    headers: dict[str, str] | None = None,
) -> Any:
    """The endpoint's call with the method (HEAD for a GET route too), its valid body."""
    _, url, body, _ = CALLS[endpoint]
    return client.open(url(w), method=method, json=_body(body, w), headers=headers or {})


def _assert_unauthorised(response: Any, method: str) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if method != "HEAD":
        assert response.is_json and "Bearer" in response.get_json()["error"]


def test_the_table_has_every_api_route(app):
    assert {endpoint for endpoint, _ in _api_routes(app)} - PUBLIC == set(CALLS)


def test_a_session_cookie_alone_opens_no_api_route_and_writes_nothing(app, client):
    w = _world()
    sign_in(client, w.chair)
    assert client.get("/").status_code == 200  # the cookie opens the pages
    before = _counts()
    routes = sorted(_api_routes(app) - {(e, m) for e, m in _api_routes(app) if e in PUBLIC})
    assert len(routes) == 22  # 9 GET routes (and HEAD), 4 POST routes
    for endpoint, method in routes:
        _assert_unauthorised(_call(client, w, endpoint, method), method)
    # What the probe sent: an empty text/plain POST, which any page on the same site can.
    for method, url, _, _ in CALLS.values():
        if method == "POST":
            response = client.post(url(w), data="", content_type="text/plain")
            _assert_unauthorised(response, method)
    assert _counts() == before
    # The session is still signed in to the pages: the API only ignored it. (Tests share one
    # app context, so forget the user the last API call set.)
    forget_user()
    assert client.get("/").status_code == 200


def test_the_openapi_document_stays_public(client):
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_a_bearer_token_opens_every_api_route(app, client):
    w = _world()
    headers = {"Authorization": f"Bearer {api_token_for(w.chair)}"}
    before = _counts()
    for endpoint, (method, _, _, expected) in CALLS.items():
        response = _call(client, w, endpoint, method, headers)
        assert response.status_code == expected, (endpoint, response.get_data(as_text=True))
    after = _counts()
    assert {name: after[name] - before[name] for name in after} == {
        "meeting_packs": 1,
        "intelligence_items": 1,
        "meetings": 1,
        "contract_visits": 1,
    }


@pytest.mark.parametrize("token", ["not-a-token", ""])
def test_an_invalid_token_with_a_valid_cookie_is_401(app, client, token):
    w = _world()
    sign_in(client, w.chair)
    before = _counts()
    for endpoint, method in sorted(_api_routes(app)):
        if endpoint in PUBLIC:
            continue
        response = _call(client, w, endpoint, method, {"Authorization": f"Bearer {token}"})
        _assert_unauthorised(response, method)
    assert _counts() == before


def test_a_cookie_and_a_token_answer_as_the_tokens_user(client):
    w = _world()
    # The viewer's browser, the chair's token: the chair issues the pack.
    sign_in(client, w.viewer)
    chair_token = {"Authorization": f"Bearer {api_token_for(w.chair)}"}
    issued = client.post(f"/api/v1/meetings/{w.meeting.id}/packs", headers=chair_token)
    assert issued.status_code == 201
    pack = db.session.scalar(sa.select(MeetingPack).where(MeetingPack.version == 2))
    assert pack is not None and pack.issued_by_id == w.chair.id
    # The chair's browser, the viewer's token: the viewer may not log an item or read packs.
    sign_in(client, w.chair)
    viewer_token = {"Authorization": f"Bearer {api_token_for(w.viewer)}"}
    before = _counts()
    logged = client.post(
        "/api/v1/intelligence", json=api_fields(w.provider.id), headers=viewer_token
    )
    assert logged.status_code == 403
    listed = client.get("/api/v1/meetings", headers=viewer_token).get_json()["items"]
    assert listed == []
    assert _counts() == before


def _age_session(client: FlaskClient, seen_ago: float, signed_in_ago: float) -> None:
    now = time.time()
    with client.session_transaction() as session:
        session["generation"] = 0
        session["signed_in_at"] = now - signed_in_ago
        session["seen_at"] = now - seen_ago


@pytest.mark.parametrize("limit", ["idle", "lifetime"])
def test_a_session_past_its_limits_opens_nothing_and_the_api_does_not_refresh_it(
    app, client, limit
):
    settings = app.config["PORTAL"]
    idle = int(settings["idle_timeout_minutes"]) * 60
    lifetime = int(settings["session_lifetime_minutes"]) * 60
    w = _world()
    sign_in(client, w.chair)
    if limit == "idle":
        _age_session(client, seen_ago=idle + 60, signed_in_ago=idle + 60)
    else:
        _age_session(client, seen_ago=0, signed_in_ago=lifetime + 60)
    with client.session_transaction() as session:
        stored = dict(session)
    before = _counts()
    response = client.post(f"/api/v1/meetings/{w.meeting.id}/packs")
    _assert_unauthorised(response, "POST")
    assert _counts() == before
    with client.session_transaction() as session:
        assert session["seen_at"] == stored["seen_at"]
    # The pages end that session.
    forget_user()
    assert client.get("/").status_code == 302


def test_an_api_call_does_not_mark_the_session_used(client):
    w = _world()
    sign_in(client, w.chair)
    _age_session(client, seen_ago=120, signed_in_ago=120)
    with client.session_transaction() as session:
        seen = session["seen_at"]
    token = {"Authorization": f"Bearer {api_token_for(w.chair)}"}
    assert client.get("/api/v1/meetings", headers=token).status_code == 200
    assert client.get("/api/v1/meetings").status_code == 401
    with client.session_transaction() as session:
        assert session["seen_at"] == seen
