"""Whatever a chair's browser sends to the concern and embargo forms: never a 5xx, a clear
message when refused, and nothing saved by a refused form."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import clock
from portal.extensions import db
from portal.models import Embargo, EmbargoNotice, ProviderConcern, ProviderConcernStage, Role
from tests import factories
from tests.concerns.helpers import date_fields
from tests.conftest import csrf_token_from
from tests.robustness.strategies import NUMBER_TEXT

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
VALUE = (
    st.text(max_size=40)
    | NUMBER_TEXT
    | st.sampled_from(["initiate", "closure", "update-meeting", "lifting", "Sutton", "", " "])
    | st.text(min_size=2001, max_size=2100)
)
STAGE_FIELDS = ["stage", "after", "occurred_on_day", "occurred_on_month", "occurred_on_year"]
STAGE_FIELDS += ["meeting_id", "note", "outcome"]
EMBARGO_FIELDS = ["starts_on_day", "starts_on_month", "starts_on_year", "ends_on_day"]
EMBARGO_FIELDS += ["ends_on_month", "ends_on_year", "reason"]
NOTICE_FIELDS = ["boroughs", "others", "subject", "notified_on_day", "notified_on_month"]
NOTICE_FIELDS += ["notified_on_year"]


def changes(fields: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Some of the form's fields replaced by anything (the rest stay valid)."""
    return st.dictionaries(st.sampled_from(fields), VALUE, max_size=4)


@pytest.fixture
def world(client: FlaskClient, login_as: Any) -> SimpleNamespace:
    """A chair signed in; a provider with an open concern and one with an embargo."""
    chair = login_as(Role.CHAIR)
    concern = factories.concern(factories.provider(), chair)
    embargo = factories.embargo(factories.provider(), chair)
    free = factories.provider()
    db.session.commit()
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return SimpleNamespace(concern=concern, embargo=embargo, free=free, token=token)


def count(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def check(response: Any, saved: bool) -> None:
    assert response.status_code < 500
    if response.status_code == 200:
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert not saved
    else:
        assert response.status_code in (302, 400)


@FUZZ
@given(junk=changes(STAGE_FIELDS))
def test_the_stage_form_never_fails(client: FlaskClient, world: SimpleNamespace, junk) -> None:
    valid = {"stage": "initial-meeting", "after": "initiate", "note": "Met the provider"}
    valid |= date_fields("occurred_on", clock.today())
    before = count(ProviderConcernStage)
    response = client.post(
        f"/concerns/{world.concern.id}/stages/new",
        data={"csrf_token": world.token, **valid, **junk},
    )
    saved = count(ProviderConcernStage) > before
    check(response, saved)
    if saved:  # put it back for the next example
        db.session.execute(
            sa.delete(ProviderConcernStage).where(ProviderConcernStage.stage != "initiate")
        )
        db.session.execute(
            sa.update(ProviderConcern).values(status="open", closed_on=None, outcome="")
        )
        db.session.commit()


@FUZZ
@given(junk=changes(EMBARGO_FIELDS))
def test_the_embargo_form_never_fails(client: FlaskClient, world: SimpleNamespace, junk) -> None:
    valid = date_fields("starts_on", clock.today()) | date_fields("ends_on", None)
    valid["reason"] = "Unsafe staffing"
    before = count(Embargo)
    response = client.post(
        f"/providers/{world.free.id}/embargoes/new",
        data={"csrf_token": world.token, **valid, **junk},
    )
    saved = count(Embargo) > before
    check(response, saved)
    if saved:
        db.session.execute(sa.delete(Embargo).where(Embargo.provider_id == world.free.id))
        db.session.commit()


@FUZZ
@given(junk=changes(NOTICE_FIELDS))
def test_the_boroughs_told_form_never_fails(
    client: FlaskClient, world: SimpleNamespace, junk
) -> None:
    valid = date_fields("notified_on", clock.today() - timedelta(days=1))
    valid |= {"boroughs": "Sutton", "subject": "embargo", "others": ""}
    before = count(EmbargoNotice)
    response = client.post(
        f"/embargoes/{world.embargo.id}/notices/new",
        data={"csrf_token": world.token, **valid, **junk},
    )
    saved = count(EmbargoNotice) > before
    check(response, saved)
    if saved:
        db.session.execute(sa.delete(EmbargoNotice))
        db.session.commit()


@FUZZ
@given(junk=changes(["lifted_on_day", "lifted_on_month", "lifted_on_year", "reason"]))
def test_the_lift_form_never_fails(client: FlaskClient, world: SimpleNamespace, junk) -> None:
    valid = date_fields("lifted_on", clock.today()) | {"reason": "Improved"}
    response = client.post(
        f"/embargoes/{world.embargo.id}/lift", data={"csrf_token": world.token, **valid, **junk}
    )
    db.session.expire_all()
    lifted = db.session.get(Embargo, world.embargo.id)
    check(response, lifted.lifted_on is not None)
    if lifted.lifted_on is not None:
        lifted.lifted_on, lifted.lifted_at, lifted.lifted_by_id = None, None, None
        db.session.commit()
