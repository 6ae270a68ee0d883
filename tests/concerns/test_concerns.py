"""The provider concerns process: chairs start it and move it forward; everyone sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    ConcernStage,
    ConcernStatus,
    Decision,
    Meeting,
    ProviderConcern,
    ProviderConcernStage,
    Role,
)
from portal.unit_of_work import ValidationFailed
from tests import factories
from tests.concerns.helpers import (
    audit_actions,
    date_fields,
    post_form,
    sign_in_as_another,
    text_of,
)
from tests.conftest import SUITE_DAY

TODAY = SUITE_DAY


def meeting(chair, agencies, held_on, title="Merton Joint Intelligence Group"):
    made = Meeting(held_on=held_on, title=title, chair_id=chair.id, agencies=list(agencies))
    db.session.add(made)
    db.session.flush()
    return made


def stages_of(concern_id: int) -> list[str]:
    db.session.expire_all()
    return [
        str(s)
        for s in db.session.scalars(
            sa.select(ProviderConcernStage.stage)
            .where(ProviderConcernStage.concern_id == concern_id)
            .order_by(ProviderConcernStage.id)
        )
    ]


def start(client, provider, **fields):
    data = {"summary": "Falls at night and medication errors"}
    data |= date_fields("occurred_on", fields.pop("on", TODAY - timedelta(days=30)))
    data |= fields
    return post_form(client, f"/providers/{provider.id}/concerns/new", data)


def stage(client, concern, code, on, after, **fields):
    data = {"stage": code, "after": after, "note": f"Note for {code}"}
    data |= date_fields("occurred_on", on) | fields
    return post_form(client, f"/concerns/{concern.id}/stages/new", data)


def test_a_chair_starts_the_process_from_the_provider_page_and_everyone_sees_its_stage(
    client, login_as
):
    chair = login_as(Role.CHAIR)
    provider = factories.provider(name="Cedar Lodge")
    db.session.commit()
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "Start the provider concerns process" in page
    response = start(client, provider, note="Merton safeguarding to lead.")
    assert response.status_code == 302
    concern = db.session.scalar(sa.select(ProviderConcern))
    assert concern.status is ConcernStatus.OPEN and concern.opened_by_id == chair.id
    assert stages_of(concern.id) == ["initiate"]
    assert "concern-started" in audit_actions()

    sign_in_as_another(login_as, Role.VIEWER, "HWMERTON")
    words = text_of(client.get(f"/providers/{provider.id}").get_data(as_text=True))
    assert "Current stage: Decision to initiate provider concerns" in words
    assert "Merton safeguarding to lead." in words
    assert "Record the next stage" not in words and "Start the provider" not in words
    dashboard = text_of(client.get("/").get_data(as_text=True))
    assert "Cedar Lodge Decision to initiate provider concerns" in dashboard
    listed = client.get("/providers?open_concern=y").get_data(as_text=True)
    assert "Cedar Lodge" in listed


def test_a_chair_can_start_the_process_from_a_meeting_decision(client, login_as):
    chair = login_as(Role.CHAIR)
    provider = factories.provider(name="Willow Court")
    held = meeting(chair, [chair.agency], TODAY - timedelta(days=20))
    decision = Decision(
        meeting=held,
        provider_id=provider.id,
        text="Initiate the provider concerns process: pattern of neglect.",
        recorded_by_id=chair.id,
    )
    db.session.add(decision)
    db.session.commit()
    form = client.get(f"/providers/{provider.id}/concerns/new?decision={decision.id}")
    html = form.get_data(as_text=True)
    assert "Initiate the provider concerns process: pattern of neglect." in html
    assert f'value="{decision.id}" checked' in html
    response = start(client, provider, decision_id=str(decision.id), on=held.held_on)
    assert response.status_code == 302
    concern = db.session.scalar(sa.select(ProviderConcern))
    assert concern.decision_id == decision.id
    assert concern.stages[0].meeting_id == held.id
    # Everyone sees which meeting decided it; the decision's words stay in its minutes.
    sign_in_as_another(login_as, Role.VIEWER, "HWMERTON")
    page = text_of(client.get(f"/concerns/{concern.id}").get_data(as_text=True))
    assert "Started from a decision of Merton Joint Intelligence Group" in page
    assert "pattern of neglect" not in page


@pytest.mark.parametrize(
    ("role", "agency", "linked"),
    [
        (Role.CHAIR, "MERTON", True),
        (Role.MEMBER, "MERTON", True),  # Merton was invited
        (Role.MEMBER, "HARROW", False),  # Harrow was not
        (Role.VIEWER, "MERTON", False),  # viewers read no meeting
        (Role.ADMIN, "MERTON", False),
    ],
)
def test_a_concern_links_its_meeting_only_for_people_who_may_open_the_meeting(
    client, login_as, role, agency, linked
):
    chair = factories.user(Role.CHAIR, factories.agency("MERTON"))
    provider = factories.provider(name="Willow Court")
    held = meeting(chair, [chair.agency], TODAY - timedelta(days=20), "Merton JIG October")
    concern = factories.concern(provider, chair)
    concern.stages[0].meeting = held
    db.session.commit()
    login_as(role, agency)
    link = f'href="/meetings/{held.id}"'
    for page in (f"/concerns/{concern.id}", f"/providers/{provider.id}"):
        html = client.get(page).get_data(as_text=True)
        assert "Merton JIG October" in text_of(html), page  # the meeting is named to all
        assert (link in html) is linked, page
    if linked:
        assert client.get(f"/meetings/{held.id}").status_code == 200


def test_stages_move_forward_one_at_a_time_and_the_update_meeting_may_be_skipped(client, login_as):
    login_as(Role.CHAIR)
    provider = factories.provider()
    chair = factories.user(Role.CHAIR)
    concern = factories.concern(provider, chair, first_on=TODAY - timedelta(days=60))
    db.session.commit()
    day = TODAY - timedelta(days=50)
    # Back to the start, or past the findings meeting: refused, nothing saved.
    for code in ("initiate", "findings-meeting", "quality-assurance", "closure"):
        response = stage(client, concern, code, day, after="initiate")
        assert response.status_code == 200
        assert "Choose the stage reached: initial provider concerns meeting" in (
            response.get_data(as_text=True)
        )
    assert stages_of(concern.id) == ["initiate"]
    assert stage(client, concern, "initial-meeting", day, "initiate").status_code == 302
    assert stage(client, concern, "findings-meeting", day, "initial-meeting").status_code == 302
    # The update meeting is "if required": quality assurance may follow the findings.
    form = client.get(f"/concerns/{concern.id}/stages/new").get_data(as_text=True)
    assert 'value="update-meeting"' in form and 'value="quality-assurance"' in form
    assert 'value="closure"' not in form
    assert stage(client, concern, "quality-assurance", day, "findings-meeting").status_code == 302
    response = stage(client, concern, "update-meeting", day, "quality-assurance")
    assert "Choose the stage reached: closure" in response.get_data(as_text=True)
    assert stages_of(concern.id) == [
        "initiate",
        "initial-meeting",
        "findings-meeting",
        "quality-assurance",
    ]
    assert audit_actions().count("concern-stage-recorded") == 3


def test_closure_records_the_outcome_and_closes_the_concern(client, login_as):
    login_as(Role.CHAIR)
    provider = factories.provider(name="Larch House")
    chair = factories.user(Role.CHAIR)
    concern = factories.concern(
        provider,
        chair,
        stages=[
            ConcernStage.INITIATE,
            ConcernStage.INITIAL_MEETING,
            ConcernStage.FINDINGS_MEETING,
            ConcernStage.QUALITY_ASSURANCE,
        ],
    )
    db.session.commit()
    response = stage(client, concern, "closure", TODAY, "quality-assurance")
    assert "Enter the outcome of the provider concerns process" in response.get_data(as_text=True)
    assert stages_of(concern.id)[-1] == "quality-assurance"
    outcome = "Routine contract monitoring resumes."
    response = stage(client, concern, "closure", TODAY, "quality-assurance", outcome=outcome)
    assert response.status_code == 302
    db.session.expire_all()
    closed = db.session.get(ProviderConcern, concern.id)
    assert closed.status is ConcernStatus.CLOSED and closed.closed_on == TODAY
    assert closed.outcome == outcome
    page = text_of(client.get(f"/providers/{provider.id}").get_data(as_text=True))
    assert "There is no open provider concern" in page and outcome in page
    assert "Larch House" not in client.get("/providers?open_concern=y").get_data(as_text=True)
    # A closed concern takes no more stages.
    again = client.get(f"/concerns/{concern.id}/stages/new")
    assert again.status_code == 302


@pytest.mark.parametrize(
    ("days_after_previous", "message"),
    [
        (-1, "Date of the stage must be on or after the previous stage"),
        (None, "Enter the date of the stage"),
        ("future", "Date of the stage must be today or in the past"),
    ],
)
def test_a_stage_dated_wrongly_is_refused_with_a_message_and_the_typing_kept(
    client, login_as, days_after_previous, message
):
    login_as(Role.CHAIR)
    concern = factories.concern(factories.provider(), factories.user(Role.CHAIR))
    first = concern.stages[0].occurred_on
    db.session.commit()
    if days_after_previous == "future":
        day = TODAY + timedelta(days=1)
    elif days_after_previous is None:
        day = None
    else:
        day = first + timedelta(days=days_after_previous)
    response = stage(client, concern, "initial-meeting", day, "initiate", note="Kept note")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and "There is a problem" in html and "Kept note" in html
    assert stages_of(concern.id) == ["initiate"]


def test_a_stage_recorded_meanwhile_by_another_chair_is_not_recorded_twice(client, login_as):
    login_as(Role.CHAIR)
    concern = factories.concern(factories.provider(), factories.user(Role.CHAIR))
    db.session.commit()
    day = TODAY - timedelta(days=1)
    assert stage(client, concern, "initial-meeting", day, "initiate").status_code == 302
    # The same form, submitted again from a page opened before the first submission.
    response = stage(client, concern, "initial-meeting", day, "initiate")
    assert "Another chair has recorded a stage since you opened this page" in (
        response.get_data(as_text=True)
    )
    assert stages_of(concern.id) == ["initiate", "initial-meeting"]


def test_a_stage_links_a_meeting_of_the_chairs_but_not_one_their_agency_was_not_invited_to(
    client, login_as
):
    chair = login_as(Role.CHAIR)
    concern = factories.concern(factories.provider(), chair)
    ours = meeting(chair, [chair.agency], TODAY - timedelta(days=5), "Merton JIG November")
    harrow_chair = factories.user(Role.CHAIR, factories.agency("HARROW"))
    theirs = meeting(harrow_chair, [harrow_chair.agency], TODAY - timedelta(days=4), "Harrow JIG")
    db.session.commit()
    form = client.get(f"/concerns/{concern.id}/stages/new").get_data(as_text=True)
    assert "Merton JIG November" in form and "Harrow JIG" not in form
    day = TODAY - timedelta(days=5)
    refused = stage(client, concern, "initial-meeting", day, "initiate", meeting_id=theirs.id)
    assert "Choose a meeting from the list, or none" in refused.get_data(as_text=True)
    ok = stage(client, concern, "initial-meeting", day, "initiate", meeting_id=str(ours.id))
    assert ok.status_code == 302
    page = text_of(client.get(f"/concerns/{concern.id}").get_data(as_text=True))
    assert "Merton JIG November" in page


def test_a_second_concern_cannot_be_opened_while_one_is_open(client, login_as):
    login_as(Role.CHAIR)
    provider = factories.provider()
    concern = factories.concern(provider, factories.user(Role.CHAIR))
    db.session.commit()
    assert client.get(f"/providers/{provider.id}/concerns/new").status_code == 302
    response = start(client, provider)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/concerns/{concern.id}")
    assert db.session.scalar(sa.select(sa.func.count(ProviderConcern.id))) == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.ADMIN])
def test_only_chairs_change_concerns_even_with_a_valid_form(client, login_as, role):
    login_as(role)
    provider = factories.provider()
    concern = factories.concern(factories.provider(), factories.user(Role.CHAIR))
    db.session.commit()
    assert start(client, provider).status_code == 403
    day = TODAY - timedelta(days=1)
    assert stage(client, concern, "initial-meeting", day, "initiate").status_code == 403
    assert stages_of(concern.id) == ["initiate"]
    assert db.session.scalar(sa.select(sa.func.count(ProviderConcern.id))) == 1


def test_a_missing_summary_is_refused_and_nothing_is_saved(client, login_as):
    login_as(Role.CHAIR)
    provider = factories.provider()
    db.session.commit()
    response = start(client, provider, summary="  ", note="Keep me")
    html = response.get_data(as_text=True)
    assert "Enter a summary of the concern" in html and "Keep me" in html
    assert db.session.scalar(sa.select(sa.func.count(ProviderConcern.id))) == 0


def test_an_unknown_concern_or_provider_is_not_found(client, login_as):
    login_as(Role.CHAIR)
    assert client.get("/concerns/999999").status_code == 404
    assert client.get("/concerns/999999/stages/new").status_code == 404
    assert client.get("/providers/999999/concerns/new").status_code == 404


def test_two_chairs_starting_a_concern_at_once_open_only_one(app, monkeypatch):
    from portal.concerns import process

    chair = factories.user(Role.CHAIR)
    provider = factories.provider(name="Aspen Lodge")
    factories.concern(provider, chair)
    db.session.commit()
    # The second chair's check ran before the first chair's concern was committed.
    monkeypatch.setattr(process, "open_concern_for", lambda provider_id, today: None)
    data = {"summary": "Same pattern", "occurred_on": {"day": "1", "month": "1", "year": "2026"}}
    with pytest.raises(ValidationFailed) as refused:
        process.start_concern(chair, provider, data, TODAY)
    assert refused.value.errors == {
        "summary": "Another chair has just opened a concern about Aspen Lodge"
    }
    assert db.session.scalar(sa.select(sa.func.count(ProviderConcern.id))) == 1
