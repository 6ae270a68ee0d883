"""The dashboard: risk and its trend, what is new, actions, concerns, embargoes and heatmaps."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from markupsafe import escape

from portal import clock
from portal.extensions import db
from portal.models import (
    Action,
    ActionStatus,
    ConcernStage,
    ConcernStatus,
    Embargo,
    KeyQuestion,
    Marking,
    Meeting,
    ProviderConcern,
    ProviderConcernStage,
    ProviderServiceType,
    Role,
)
from portal.risk import EXPLANATION, WINDOW_EXPLANATION
from tests import factories

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def fixed_today():
    with clock.fixed_today(TODAY):
        yield


def section(page: str, start: str, end: str | None = None) -> str:
    """The part of the page from the element with id=start up to id=end."""
    begin = page.index(f'id="{start}"')
    return page[begin : page.index(f'id="{end}"', begin)] if end else page[begin:]


def text_of(html: str) -> str:
    """Visible words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def police():
    return factories.user(Role.MEMBER, factories.agency("MPS"))


def meeting(chair_agency: str = "MERTON") -> Meeting:
    chair = factories.user(Role.CHAIR, factories.agency(chair_agency))
    made = Meeting(held_on=date(2026, 10, 14), title="October meeting", chair=chair)
    db.session.add(made)
    db.session.flush()
    return made


def test_members_chairs_and_viewers_get_the_dashboard(client, login_as):
    for role in (Role.MEMBER, Role.CHAIR, Role.VIEWER):
        login_as(role)
        page = client.get("/").get_data(as_text=True)
        assert '<h1 class="govuk-heading-l">Dashboard</h1>' in page, role


def test_administrators_get_the_newest_items_they_may_read_instead(client, login_as):
    factories.item(police(), Marking.GREEN, title="Shared with everyone")
    db.session.commit()
    login_as(Role.ADMIN)
    page = client.get("/").get_data(as_text=True)
    assert "Newest intelligence you can read" in page
    assert "Shared with everyone" in page
    assert "<svg" not in page
    assert str(escape(EXPLANATION)) in page


def test_the_page_explains_how_risk_is_scored(client, login_as):
    login_as(Role.MEMBER)
    page = client.get("/").get_data(as_text=True)
    assert str(escape(EXPLANATION)) in page
    assert str(escape(WINDOW_EXPLANATION.format(months=3))) in page


def test_the_highest_risk_providers_show_their_trend_against_last_month_in_words(client, login_as):
    officer = police()
    rising = factories.provider(name="Rising Court")
    steady = factories.provider(name="Steady Lodge")
    falling = factories.provider(name="Falling House")
    factories.item(officer, provider=rising, likelihood=3, impact=4, observed_on=date(2026, 10, 5))
    factories.item(officer, provider=rising, likelihood=4, impact=5, observed_on=date(2026, 11, 10))
    factories.item(officer, provider=steady, likelihood=5, impact=3, observed_on=date(2026, 10, 1))
    # 25 counted at the end of October (window from 28 July), gone from today's (from 23 August).
    factories.item(officer, provider=falling, likelihood=5, impact=5, observed_on=date(2026, 8, 10))
    factories.item(officer, provider=falling, likelihood=2, impact=4, observed_on=date(2026, 11, 1))
    db.session.commit()
    login_as(Role.MEMBER)
    words = text_of(section(client.get("/").get_data(as_text=True), "highest-risk", "new-items"))
    assert "Rising Court 20 · , Extreme 2 ▲ Up from 12 (high)" in words
    assert "Steady Lodge 15 · , Extreme 1 = Same as last month" in words
    assert "Falling House 8 · , High 1 ▼ Down from 25 (extreme)" in words
    assert words.index("Rising Court") < words.index("Steady Lodge") < words.index("Falling")


def test_new_items_are_those_logged_since_the_previous_sign_in(client, login_as):
    officer = police()
    factories.item(officer, title="Logged after", logged_at=datetime(2026, 11, 21, 9, 0))
    factories.item(officer, title="Logged before", logged_at=datetime(2026, 11, 19, 9, 0))
    factories.item(officer, Marking.RED, title="Red after", logged_at=datetime(2026, 11, 21, 9, 0))
    db.session.commit()
    login_as(Role.MEMBER, previous_sign_in_at=datetime(2026, 11, 20, 8, 30))
    new = section(client.get("/").get_data(as_text=True), "new-items", "actions")
    assert "New since your last visit" in new
    assert "20 November 2026 at 8:30am" in new
    assert "Logged after" in new
    assert "Logged before" not in new
    assert "Red after" not in new
    assert "1 new item" in new


def test_the_new_items_table_has_a_caption_and_column_headers(client, login_as):
    factories.item(police(), title="Logged after", logged_at=datetime(2026, 11, 21, 9, 0))
    db.session.commit()
    login_as(Role.MEMBER, previous_sign_in_at=datetime(2026, 11, 20, 8, 30))
    new = section(client.get("/").get_data(as_text=True), "new-items", "actions")
    assert 'aria-labelledby="new-caption"' in new
    assert re.search(r'<caption[^>]*id="new-caption">1 new item</caption>', new)
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', new)
    phone_only = r'<span class="portal-show-until-tablet[^"]*">.*?</span>'  # on a phone only
    assert [re.sub(phone_only, "", h) for h in headers] == [
        "Observed",
        "Provider",
        "Title",
        "Key question",
        "Agency",
        "Marking",
        "Risk",
    ]


def test_without_a_previous_sign_in_new_means_the_last_14_days(client, login_as):
    officer = police()
    factories.item(officer, title="Ten days ago", logged_at=datetime(2026, 11, 13, 12, 0))
    factories.item(officer, title="Sixteen days ago", logged_at=datetime(2026, 11, 7, 12, 0))
    db.session.commit()
    login_as(Role.VIEWER, "HWMERTON")
    new = section(client.get("/").get_data(as_text=True), "new-items", "actions")
    assert "New in the last 14 days" in new
    assert "Ten days ago" in new and "Sixteen days ago" not in new


def test_open_actions_of_the_users_agency_show_the_provider_and_overdue_ones(client, login_as):
    held = meeting()
    home = factories.provider(name="Cedar Lodge")
    merton = factories.agency("MERTON")
    cqc = factories.agency("CQC")

    def action(description, agency, status=ActionStatus.OPEN, due_on=None, provider=home):
        db.session.add(
            Action(
                meeting=held,
                provider=provider,
                description=description,
                owner_agency_id=agency.id,
                due_on=due_on,
                status=status,
                created_by_id=held.chair_id,
            )
        )

    action("Review the rota", merton, due_on=date(2026, 11, 1))
    action("Visit at night", merton, ActionStatus.OPEN, date(2026, 12, 1))
    action("Write to the owner", merton, due_on=None, provider=None)
    action("Already done", merton, ActionStatus.DONE, date(2026, 10, 1))
    action("Inspect", cqc, due_on=date(2026, 11, 2))
    db.session.commit()
    login_as(Role.MEMBER, "MERTON")
    words = text_of(section(client.get("/").get_data(as_text=True), "actions", "concerns"))
    assert "3 open actions" in words
    assert "Review the rota" in words and "1 Nov 2026 Overdue Open" in words
    assert "Visit at night" in words and "1 Dec 2026 Open" in words
    assert "Write to the owner" in words and "No provider No due date Open" in words
    assert "Already done" not in words and "Inspect" not in words
    assert words.index("Review the rota") < words.index("Visit at night") < words.index("Write")
    assert words.count("Overdue") == 1
    assert "Cedar Lodge" in words


@pytest.mark.parametrize("role", [Role.MEMBER, Role.CHAIR, Role.VIEWER])
def test_each_open_action_links_to_its_update_page_for_those_who_may_update_it(
    client, login_as, role
):
    held = meeting()
    merton = factories.agency("MERTON")
    action = Action(
        meeting=held,
        description="Review the rota",
        owner_agency_id=merton.id,
        created_by_id=held.chair_id,
    )
    db.session.add(action)
    db.session.commit()
    login_as(role, "MERTON")
    actions = section(client.get("/").get_data(as_text=True), "actions", "concerns")
    update = f"/meetings/actions/{action.id}"
    if role is Role.VIEWER:  # reads the agency's actions, updates none
        assert "Review the rota" in actions and update not in actions
        assert client.get(update).status_code == 403
        return
    assert f'href="{update}"' in actions
    assert "Update the action: Review the rota" in text_of(actions)
    assert client.get(update).status_code == 200


def test_open_provider_concerns_show_their_current_stage(client, login_as):
    opener = factories.user(Role.CHAIR)
    # Opened on its first stage's day: open on that day and after (ProviderConcern.open_on).
    open_one = ProviderConcern(
        provider=factories.provider(name="Cedar Lodge"),
        summary="Neglect",
        opened_by=opener,
        opened_at=datetime(2026, 10, 2, 9),
    )
    closed = ProviderConcern(
        provider=factories.provider(name="Oak House"),
        summary="Resolved",
        opened_by=opener,
        status=ConcernStatus.CLOSED,
    )
    db.session.add_all([open_one, closed])
    for stage, day in ((ConcernStage.INITIATE, 2), (ConcernStage.FINDINGS_MEETING, 20)):
        db.session.add(
            ProviderConcernStage(
                concern=open_one,
                stage=stage,
                occurred_on=date(2026, 10, day),
                recorded_by_id=opener.id,
            )
        )
    db.session.commit()
    login_as(Role.MEMBER)
    words = text_of(section(client.get("/").get_data(as_text=True), "concerns", "heatmaps"))
    assert "Cedar Lodge Findings meeting 20 Oct 2026" in words
    assert "Oak House" not in words


def test_only_embargoes_in_force_today_are_listed(client, login_as):
    creator = factories.user(Role.CHAIR)
    for name, starts, ends in (
        ("In force", date(2026, 9, 1), None),
        ("Ends today", date(2026, 9, 1), TODAY),
        ("Ended", date(2026, 9, 1), date(2026, 11, 22)),
        ("Not yet", date(2026, 11, 24), None),
    ):
        db.session.add(
            Embargo(
                provider=factories.provider(name=name),
                starts_on=starts,
                ends_on=ends,
                reason=f"Reason for {name}",
                created_by_id=creator.id,
            )
        )
    db.session.commit()
    login_as(Role.MEMBER)
    words = text_of(section(client.get("/").get_data(as_text=True), "concerns", "heatmaps"))
    assert "In force 1 Sep 2026 Until lifted Reason for In force" in words
    assert "Ends today" in words
    assert "Ended" not in words.replace("Ends today", "") and "Not yet" not in words


@pytest.fixture
def two_boroughs(app):
    officer = police()
    merton = factories.provider(name="Merton Home", local_authority="Merton")
    sutton = factories.provider(name="Sutton Care", local_authority="Sutton")
    db.session.add(ProviderServiceType(provider=sutton, service_type="domiciliary"))
    factories.item(officer, provider=merton, likelihood=4, impact=4, observed_on=date(2026, 11, 2))
    factories.item(
        officer,
        provider=sutton,
        likelihood=2,
        impact=2,
        observed_on=date(2026, 11, 3),
        key_question=KeyQuestion.CARING,
    )
    factories.item(officer, provider=sutton, likelihood=5, impact=5, observed_on=date(2026, 6, 3))
    db.session.commit()


def heatmap_rows(page: str, key: str) -> list[str]:
    """The row headers of a heatmap's table."""
    table = section(page, key)
    table = table[: table.index("</table>")]
    return [text_of(h) for h in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', table, re.S)]


def test_heatmaps_can_be_narrowed_to_a_local_authority_and_a_service_type(
    client, login_as, two_boroughs
):
    login_as(Role.MEMBER)
    everything = client.get("/").get_data(as_text=True)
    assert heatmap_rows(everything, "heatmap-months") == ["Sutton Care", "Merton Home"]
    merton = client.get("/?local_authority=Merton").get_data(as_text=True)
    assert heatmap_rows(merton, "heatmap-months") == ["Merton Home"]
    assert heatmap_rows(merton, "heatmap-key-questions") == ["Merton Home"]
    assert "Showing providers in Merton." in merton
    home_care = client.get("/?service_type=domiciliary").get_data(as_text=True)
    assert heatmap_rows(home_care, "heatmap-months") == ["Sutton Care"]
    assert "registered for: Domiciliary care service" in home_care
    # The matrix counts only the filtered providers' items: one 2 x 2 in the last 3 months.
    matrix = text_of(section(home_care, "heatmap-matrix"))
    assert "1 open item you may read" in matrix


def test_the_period_sets_the_key_question_heatmap_and_the_matrix(client, login_as, two_boroughs):
    login_as(Role.MEMBER)
    three = client.get("/").get_data(as_text=True)
    twelve = client.get("/?period=12").get_data(as_text=True)
    assert "last 3 months (23 August 2026 to 23 November 2026)" in three
    assert "2 open items you may read" in text_of(section(three, "heatmap-matrix"))
    assert "3 open items you may read" in text_of(section(twelve, "heatmap-matrix"))
    assert "25 extreme (1 item)" in section(twelve, "heatmap-key-questions", "heatmap-matrix")


def test_unknown_filter_values_are_read_as_no_filter(client, login_as, two_boroughs):
    login_as(Role.MEMBER)
    response = client.get("/?local_authority=Atlantis&service_type=moon-base&period=7")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert heatmap_rows(page, "heatmap-months") == ["Sutton Care", "Merton Home"]
    assert '<option value="3" selected>Last 3 months</option>' in page


def test_a_hostile_provider_name_is_only_ever_text(client, login_as):
    hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    factories.item(
        police(), provider=factories.provider(name=hostile), observed_on=date(2026, 11, 2)
    )
    db.session.commit()
    login_as(Role.MEMBER)
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page


def test_names_link_to_their_pages_and_are_plain_text_without_them(
    client, login_as, app, monkeypatch
):
    item = factories.item(
        police(), provider=factories.provider(name="Cedar Lodge"), title="Night staffing"
    )
    db.session.commit()
    login_as(Role.MEMBER)
    page = client.get("/").get_data(as_text=True)
    assert f'href="/providers/{item.provider_id}">Cedar Lodge</a>' in page
    assert f'href="/intelligence/{item.id}">Night staffing</a>' in page
    monkeypatch.delitem(app.view_functions, "providers.view_provider")
    monkeypatch.delitem(app.view_functions, "intelligence.view_item")
    page = client.get("/").get_data(as_text=True)
    assert f'href="/providers/{item.provider_id}"' not in page
    assert f'href="/intelligence/{item.id}"' not in page
    assert "Cedar Lodge" in page and "Night staffing" in page
