"""Embargoes on new placements: chairs place and lift them, print the notice and record who
was told; the embargo shows on the provider everywhere."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.extensions import db
from portal.models import AuditEvent, Embargo, EmbargoNotice, Role
from tests import factories
from tests.concerns.helpers import (
    audit_actions,
    date_fields,
    post_form,
    sign_in_as_another,
    text_of,
)
from tests.conftest import SUITE_DAY, api_token_for

TODAY = SUITE_DAY


def place(client, provider, starts_on=TODAY, ends_on=None, reason="Unsafe night staffing"):
    data = date_fields("starts_on", starts_on) | date_fields("ends_on", ends_on)
    return post_form(client, f"/providers/{provider.id}/embargoes/new", data | {"reason": reason})


def lift(client, embargo, lifted_on=TODAY, reason="Quality assurance visits were positive"):
    data = date_fields("lifted_on", lifted_on) | {"reason": reason}
    return post_form(client, f"/embargoes/{embargo.id}/lift", data)


def tell(client, embargo, boroughs=(), others="", notified_on=TODAY, subject="embargo"):
    data = date_fields("notified_on", notified_on) | {"others": others, "subject": subject}
    data["boroughs"] = list(boroughs)
    return post_form(client, f"/embargoes/{embargo.id}/notices/new", data)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def the_embargo() -> Embargo:
    db.session.expire_all()
    return db.session.scalars(sa.select(Embargo).order_by(Embargo.id.desc())).first()


def test_a_placed_embargo_shows_on_the_provider_page_list_dashboard_search_and_api(
    client, login_as
):
    login_as(Role.CHAIR)
    provider = factories.provider(name="Rowan Lodge")
    factories.provider(name="Rowan Court")
    db.session.commit()
    response = place(client, provider, ends_on=TODAY + timedelta(days=90))
    assert response.status_code == 302
    embargo = the_embargo()
    assert embargo.starts_on == TODAY and embargo.reason == "Unsafe night staffing"
    assert "embargo-placed" in audit_actions()

    viewer = sign_in_as_another(login_as, Role.VIEWER, "HWMERTON")
    page = text_of(client.get(f"/providers/{provider.id}").get_data(as_text=True))
    assert "An embargo on new placements is in force." in page
    assert "In force From" in page and "Unsafe night staffing" in page
    listed = client.get("/providers?active_embargo=y").get_data(as_text=True)
    assert "Rowan Lodge" in listed and "Rowan Court" not in listed
    assert "Rowan Lodge" in text_of(client.get("/").get_data(as_text=True))
    found = text_of(client.get("/search?q=rowan").get_data(as_text=True))
    assert "Rowan Lodge Embargo" in found
    client.delete_cookie("session")
    answer = client.get(
        f"/api/v1/providers/{provider.id}",
        headers={"Authorization": f"Bearer {api_token_for(viewer)}"},
    ).get_json()
    assert answer["embargo"]["reason"] == "Unsafe night staffing"


def test_a_lifted_embargo_leaves_the_lists_but_stays_on_record(client, login_as):
    login_as(Role.CHAIR)
    provider = factories.provider(name="Hazel Grove")
    embargo = factories.embargo(provider, factories.user(Role.CHAIR), boroughs=["Sutton"])
    db.session.commit()
    assert "Hazel Grove" in client.get("/providers?active_embargo=y").get_data(as_text=True)
    assert lift(client, embargo).status_code == 302
    lifted = the_embargo()
    assert lifted.lifted_on == TODAY and lifted.lift_reason.startswith("Quality assurance")
    assert not lifted.is_active(TODAY)
    assert "embargo-lifted" in audit_actions()
    assert "Hazel Grove" not in client.get("/providers?active_embargo=y").get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)
    assert "There are no embargoes in force today." in dashboard
    page = text_of(client.get(f"/providers/{provider.id}").get_data(as_text=True))
    assert "An embargo on new placements is in force." not in page
    assert "Earlier embargoes" in page and "lifted from" in page
    record = text_of(client.get(f"/embargoes/{embargo.id}").get_data(as_text=True))
    assert "Lifted" in record and "Sutton" in record and "Lift the embargo" not in record
    # Lifting twice is refused; the first lifting stands.
    assert lift(client, embargo, reason="again").status_code == 302
    assert the_embargo().lift_reason.startswith("Quality assurance")


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "reason", "field", "message"),
    [
        (None, None, "Reason", "starts_on", "Enter the start date"),
        (TODAY, TODAY - timedelta(days=1), "Reason", "ends_on", "on or after the start date"),
        (TODAY - timedelta(days=9), TODAY - timedelta(days=2), "R", "ends_on", "today or later"),
        (TODAY, None, "   ", "reason", "Enter the reason for the embargo"),
    ],
)
def test_an_embargo_with_bad_dates_or_no_reason_is_refused_and_nothing_saved(
    client, login_as, starts_on, ends_on, reason, field, message
):
    login_as(Role.CHAIR)
    provider = factories.provider()
    db.session.commit()
    response = place(client, provider, starts_on, ends_on, reason)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and f'href="#{field}"' in html
    assert db.session.scalar(sa.select(sa.func.count(Embargo.id))) == 0


def test_a_second_embargo_is_refused_while_one_is_in_force_or_to_come(client, login_as):
    login_as(Role.CHAIR)
    provider = factories.provider()
    factories.embargo(provider, factories.user(Role.CHAIR), starts_on=TODAY + timedelta(days=3))
    db.session.commit()
    assert client.get(f"/providers/{provider.id}/embargoes/new").status_code == 302
    response = place(client, provider)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Embargo.id))) == 1


def test_a_lift_date_in_the_future_or_before_the_start_is_refused(client, login_as):
    login_as(Role.CHAIR)
    embargo = factories.embargo(factories.provider(), factories.user(Role.CHAIR))
    db.session.commit()
    response = lift(client, embargo, TODAY + timedelta(days=1))
    assert "Date lifted must be today or in the past" in response.get_data(as_text=True)
    response = lift(client, embargo, embargo.starts_on - timedelta(days=1))
    assert "Date lifted must be on or after" in response.get_data(as_text=True)
    response = lift(client, embargo, reason="")
    assert "Enter why the embargo is lifted" in response.get_data(as_text=True)
    assert the_embargo().lifted_on is None


def test_the_notice_to_other_boroughs_is_a_marked_pdf_and_each_print_is_audited(client, login_as):
    chair = login_as(Role.CHAIR)
    provider = factories.provider(name="Alder Court Care Home", address="4 Mill Lane\nMitcham")
    embargo = factories.embargo(provider, chair)
    db.session.commit()
    response = client.get(f"/embargoes/{embargo.id}/notice.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert "embargo-notice-alder-court-care-home" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "OFFICIAL-SENSITIVE" in text and "Embargo on new placements" in text
    assert "Alder Court Care Home" in text and "Unsafe night staffing" in text
    assert chair.email in text
    preview = client.get(f"/embargoes/{embargo.id}/notice").get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE" in preview and "4 Mill Lane" in preview
    printed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "embargo-notice-printed")
    ).all()
    assert [e.data["format"] for e in printed] == ["pdf", "html"]
    # Once lifted, the notice says so.
    lift(client, embargo)
    preview = text_of(client.get(f"/embargoes/{embargo.id}/notice").get_data(as_text=True))
    assert "Embargo lifted: Alder Court Care Home" in preview
    assert "Placements may be commissioned again" in preview


def test_the_boroughs_told_are_recorded_with_the_date_and_shown_on_the_provider(client, login_as):
    chair = login_as(Role.CHAIR)
    provider = factories.provider(name="Elm Bank")
    embargo = factories.embargo(provider, factories.user(Role.CHAIR))
    db.session.commit()
    told_on = TODAY - timedelta(days=1)
    response = tell(client, embargo, ["Sutton", "Croydon"], "Surrey County Council", told_on)
    assert response.status_code == 302
    notices = db.session.scalars(sa.select(EmbargoNotice).order_by(EmbargoNotice.id)).all()
    assert [n.borough for n in notices] == ["Sutton", "Croydon", "Surrey County Council"]
    assert {(n.notified_on, n.recorded_by_id, n.about_lifting) for n in notices} == {
        (told_on, chair.id, False)
    }
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "embargo-notices-recorded")
    )
    assert event.data["boroughs"] == ["Sutton", "Croydon", "Surrey County Council"]
    sign_in_as_another(login_as, Role.MEMBER, "CQC")
    page = text_of(client.get(f"/providers/{provider.id}").get_data(as_text=True))
    assert "Boroughs told: Sutton" in page and "Surrey County Council" in page


@pytest.mark.parametrize(
    ("boroughs", "others", "notified_on", "subject", "message"),
    [
        ([], "", TODAY, "embargo", "Choose at least one borough, or type another authority"),
        (["Atlantis"], "", TODAY, "embargo", "Choose boroughs from the list"),
        (["Sutton"], "", TODAY + timedelta(days=1), "embargo", "must be today or in the past"),
        (["Sutton"], "", TODAY, "lifting", "Choose what the boroughs were told"),
        (["Sutton"], "x" * 101, TODAY, "embargo", "100 characters or fewer"),
    ],
)
def test_bad_notice_records_are_refused_and_nothing_saved(
    client, login_as, boroughs, others, notified_on, subject, message
):
    login_as(Role.CHAIR)
    embargo = factories.embargo(factories.provider(), factories.user(Role.CHAIR))
    db.session.commit()
    response = tell(client, embargo, boroughs, others, notified_on, subject)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(EmbargoNotice.id))) == 0


def test_after_lifting_the_chair_records_the_boroughs_told_of_the_lifting(client, login_as):
    login_as(Role.CHAIR)
    embargo = factories.embargo(factories.provider(), factories.user(Role.CHAIR))
    db.session.commit()
    lift(client, embargo)
    form = client.get(f"/embargoes/{embargo.id}/notices/new").get_data(as_text=True)
    assert 'value="lifting" checked' in form
    assert tell(client, embargo, ["Merton"], subject="lifting").status_code == 302
    notice = db.session.scalar(sa.select(EmbargoNotice))
    assert notice.about_lifting
    record = text_of(client.get(f"/embargoes/{embargo.id}").get_data(as_text=True))
    assert "Merton" in record and "The lifting" in record


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.ADMIN])
def test_only_chairs_place_lift_and_record_embargoes_even_with_a_valid_form(client, login_as, role):
    login_as(role)
    provider = factories.provider()
    embargo = factories.embargo(factories.provider(), factories.user(Role.CHAIR))
    db.session.commit()
    assert place(client, provider).status_code == 403
    assert lift(client, embargo).status_code == 403
    assert tell(client, embargo, ["Sutton"]).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Embargo.id))) == 1
    assert the_embargo().lifted_on is None and not the_embargo().notices
    page = client.get(f"/embargoes/{embargo.id}").get_data(as_text=True)
    assert "Unsafe night staffing" in page and "Lift the embargo" not in page


def test_an_unknown_embargo_is_not_found(client, login_as):
    login_as(Role.CHAIR)
    for path in ("", "/lift", "/notices/new", "/notice", "/notice.pdf"):
        assert client.get(f"/embargoes/999999{path}").status_code == 404


def test_the_dashboard_tags_an_embargoed_provider_among_the_highest_risks(client, login_as):
    member = login_as(Role.MEMBER)
    chair = factories.user(Role.CHAIR)
    risky = factories.provider(name="Poplar Place")
    factories.item(member, provider=risky, likelihood=5, impact=5, observed_on=TODAY)
    factories.embargo(risky, chair)
    concern = factories.concern(risky, chair)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    risks = html[html.index('id="risk-caption"') : html.index('id="new-items"')]
    assert 'Poplar Place</a> <strong class="govuk-tag govuk-tag--red">Embargo</strong>' in risks
    assert f'href="/concerns/{concern.id}"' in html
