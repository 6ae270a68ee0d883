"""One rule for the page and the API (issue 30, point 2).

Each action with a page and an API door is decided by one service function that both call:
creating a meeting (services.meeting_details, services.create_meeting), issuing a pack
(packs.issue_pack), logging intelligence (validate_item, log_item) and recording a contract
visit (visits.services.record_submitted_visit). Each situation below goes through the page
(session and CSRF token) and through the API (bearer token only), and both doors must give
the same answer: both write one record of the same kind, or both refuse and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal import clock
from portal.extensions import db
from portal.models import (
    ContractVisit,
    IntelligenceItem,
    Meeting,
    MeetingPack,
    MeetingStatus,
    Role,
    User,
)
from tests import factories
from tests.conftest import api_token_for, csrf_token_from
from tests.intelligence.helpers import api_fields, form_fields
from tests.meetings.helpers import add_to_agenda, meeting

TODAY = date(2026, 12, 6)
PAGE_REFUSALS = {200, 400, 403, 404}  # 200: the form shown again with its errors
API_REFUSALS = {403, 404, 422}


@dataclass(frozen=True)
class Door:
    """One way in: the response and how many records of the action's kind it wrote."""

    status: int
    written: int


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def through_page(
    client: FlaskClient, user: User, model: type, path: str, data: dict[str, Any]
) -> Door:
    """Post the form as the signed-in user, with the CSRF token a page gives them."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    g.pop("_login_user", None)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    g.pop("_login_user", None)
    before = count(model)
    response: TestResponse = client.post(path, data={"csrf_token": token, **data})
    db.session.expire_all()
    return Door(response.status_code, count(model) - before)


def through_api(app: Flask, user: User, model: type, path: str, body: Any) -> Door:
    """Post JSON with the user's bearer token, from a client that has no cookie."""
    headers = {"Authorization": f"Bearer {api_token_for(user)}"}
    g.pop("_login_user", None)
    before = count(model)
    response = app.test_client().post(path, json=body, headers=headers)
    g.pop("_login_user", None)
    db.session.expire_all()
    return Door(response.status_code, count(model) - before)


def agree(page: Door, api: Door, done: bool, page_ok: int, api_ok: int = 201) -> None:
    """Both doors wrote one record, or both refused and wrote nothing."""
    if done:
        assert (page.status, page.written) == (page_ok, 1), page
        assert (api.status, api.written) == (api_ok, 1), api
    else:
        assert page.status in PAGE_REFUSALS and page.written == 0, page
        assert api.status in API_REFUSALS and api.written == 0, api


@pytest.fixture
def people(app: Flask) -> dict[str, User]:
    """Merton's chair, member and viewer, a police member, and Harrow's chair and member."""
    factories.agency("MPS")
    made = {
        "chair": factories.user(Role.CHAIR, factories.agency("MERTON")),
        "member": factories.user(Role.MEMBER, factories.agency("MERTON")),
        "viewer": factories.user(Role.VIEWER, factories.agency("MERTON")),
        "police": factories.user(Role.MEMBER, factories.agency("MPS")),
        "harrow chair": factories.user(Role.CHAIR, factories.agency("HARROW")),
        "harrow member": factories.user(Role.MEMBER, factories.agency("HARROW")),
    }
    db.session.commit()
    return made


# --- create a meeting ------------------------------------------------------------------------

MEETING_SITUATIONS = [
    ("allowed", "chair", {}, True),
    ("a member is not a chair", "member", {}, False),
    ("another borough's chair makes its own", "harrow chair", {}, True),
    ("no title", "chair", {"title": ""}, False),
    ("an agency code that names none", "chair", {"agencies": ["MERTON", "NOPE"]}, False),
    ("a title too long", "chair", {"title": "x" * 201}, False),
    ("a NUL in the title", "chair", {"title": "December\x00 meeting"}, False),
]


@pytest.mark.parametrize(
    ("who", "change", "done"),
    [s[1:] for s in MEETING_SITUATIONS],
    ids=[s[0] for s in MEETING_SITUATIONS],
)
def test_creating_a_meeting_gets_one_answer_from_both_doors(
    app: Flask, client: FlaskClient, people: dict[str, User], who: str, change: dict, done: bool
) -> None:
    held_on = TODAY + timedelta(days=30)
    fields = {"title": "December meeting", "agencies": ["MERTON", "MPS"]} | change
    form = {
        "day": str(held_on.day),
        "month": str(held_on.month),
        "year": str(held_on.year),
        "location": "Microsoft Teams",
        **fields,
    }
    body = {"held_on": held_on.isoformat(), "location": "Microsoft Teams", **fields}
    with clock.fixed_today(TODAY):
        page = through_page(client, people[who], Meeting, "/meetings/new", form)
        api = through_api(app, people[who], Meeting, "/api/v1/meetings", body)
    agree(page, api, done, page_ok=302)


# --- issue a pack ----------------------------------------------------------------------------

PACK_SITUATIONS = [
    ("allowed", "planned", "chair", {}, True),
    ("the minutes are approved", "approved", "chair", {"reason": "Late item"}, False),
    ("held and no reason given", "held", "chair", {}, False),
    ("held, with the reason", "held", "chair", {"reason": "A late item"}, True),
    ("a member is not a chair", "planned", "member", {}, False),
    ("another borough's chair", "planned", "harrow chair", {}, False),
    ("a reason too long", "held", "chair", {"reason": "x" * 2_001}, False),
]


def pack_meeting(state: str, provider_id: int) -> Meeting:
    """A Merton meeting (MERTON and MPS invited) in the state, the provider on its agenda."""
    held_on = TODAY + timedelta(days=10) if state == "planned" else TODAY - timedelta(days=3)
    made = meeting(("MERTON", "MPS"), held_on=held_on)
    add_to_agenda(made, provider_id)
    if state == "approved":
        made.status = MeetingStatus.MINUTES_APPROVED
        made.minutes_approved_at = made.created_at
    db.session.commit()
    return made


@pytest.mark.parametrize(
    ("state", "who", "options", "done"),
    [s[1:] for s in PACK_SITUATIONS],
    ids=[s[0] for s in PACK_SITUATIONS],
)
def test_issuing_a_pack_gets_one_answer_from_both_doors(
    app: Flask,
    client: FlaskClient,
    people: dict[str, User],
    state: str,
    who: str,
    options: dict,
    done: bool,
) -> None:
    provider = factories.provider(name="Cedar Lodge")
    made = pack_meeting(state, provider.id)
    user = made.chair if who == "chair" else people[who]
    path = f"/meetings/{made.id}/packs"
    with clock.fixed_today(TODAY):
        page = through_page(client, user, MeetingPack, path, options)
        api = through_api(app, user, MeetingPack, f"/api/v1{path}", options)
    agree(page, api, done, page_ok=302)


# --- log intelligence ------------------------------------------------------------------------

ITEM_SITUATIONS = [
    ("allowed", "member", {}, True),
    ("a chair logs too", "chair", {}, True),
    ("a viewer may not", "viewer", {}, False),
    ("another borough's member logs its own", "harrow member", {}, True),
    ("no title", "member", {"title": ""}, False),
    ("observed in the future", "member", {"observed": TODAY + timedelta(days=2)}, False),
    ("a NUL in the title", "member", {"title": "Night\x00 staffing"}, False),
    ("a huge body", "member", {"body": "x" * 1_000_000}, False),
]


def item_bodies(provider_id: int, change: dict[str, Any]) -> tuple[dict, dict]:
    """The same item as the form posts it and as the API takes it."""
    change = dict(change)
    observed = change.pop("observed", date(2026, 10, 5))
    form = form_fields(
        provider_id,
        observed_day=str(observed.day),
        observed_month=str(observed.month),
        observed_year=str(observed.year),
        **change,
    )
    return form, api_fields(provider_id, observed_on=observed.isoformat(), **change)


@pytest.mark.parametrize(
    ("who", "change", "done"),
    [s[1:] for s in ITEM_SITUATIONS],
    ids=[s[0] for s in ITEM_SITUATIONS],
)
def test_logging_intelligence_gets_one_answer_from_both_doors(
    app: Flask, client: FlaskClient, people: dict[str, User], who: str, change: dict, done: bool
) -> None:
    provider = factories.provider(name="Rowan House")
    db.session.commit()
    form, body = item_bodies(provider.id, change)
    with clock.fixed_today(TODAY):
        page = through_page(client, people[who], IntelligenceItem, "/intelligence/new", form)
        api = through_api(app, people[who], IntelligenceItem, "/api/v1/intelligence", body)
    agree(page, api, done, page_ok=302)


# --- record a contract visit -----------------------------------------------------------------

VISIT_SITUATIONS = [
    ("allowed", "member", {}, True),
    ("a council's chair records too", "chair", {}, True),
    ("another borough's member records its own", "harrow member", {}, True),
    ("a viewer may not", "viewer", {}, False),
    ("not a council", "police", {}, False),
    ("no overall judgement", "member", {"overall": ""}, False),
    ("a visit type that is none", "member", {"visit_type": "drive-by"}, False),
    ("a NUL in the summary", "member", {"summary": "Lunch\x00time"}, False),
]


def visit_bodies(change: dict[str, str]) -> tuple[dict, dict]:
    """The same visit (every finding met) as the form posts it and as the API takes it."""
    fields = {"visit_type": "unannounced", "overall": "good"} | change
    form = {
        "visited_day": "6",
        "visited_month": "10",
        "visited_year": "2026",
        "spoke_to": ["residents"],
        "summary": "Lunchtime visit.",
        "marking": "AMBER",
        "dignity-result": "met",
        **fields,
    }
    body = {
        "visited_on": "2026-10-06",
        "spoke_to": ["residents"],
        "summary": "Lunchtime visit.",
        "marking": "AMBER",
        "findings": {"dignity": {"result": "met"}},
        **fields,
    }
    return form, body


@pytest.mark.parametrize(
    ("who", "change", "done"),
    [s[1:] for s in VISIT_SITUATIONS],
    ids=[s[0] for s in VISIT_SITUATIONS],
)
def test_recording_a_contract_visit_gets_one_answer_from_both_doors(
    app: Flask, client: FlaskClient, people: dict[str, User], who: str, change: dict, done: bool
) -> None:
    provider = factories.provider(name="Rowan House")
    db.session.commit()
    form, body = visit_bodies(change)
    body["provider_id"] = provider.id
    path = f"/providers/{provider.id}/contract-visits/new"
    with clock.fixed_today(TODAY):
        page = through_page(client, people[who], ContractVisit, path, form)
        api = through_api(app, people[who], ContractVisit, "/api/v1/contract-visits", body)
    agree(page, api, done, page_ok=302)


def test_a_visit_refused_to_someone_outside_a_council_says_so_at_both_doors(
    app: Flask, client: FlaskClient, people: dict[str, User]
) -> None:
    provider = factories.provider()
    db.session.commit()
    form, body = visit_bodies({})
    body["provider_id"] = provider.id
    path = f"/providers/{provider.id}/contract-visits/new"
    page = through_page(client, people["police"], ContractVisit, path, form)
    api = through_api(app, people["police"], ContractVisit, "/api/v1/contract-visits", body)
    assert (page.status, api.status) == (403, 403)
