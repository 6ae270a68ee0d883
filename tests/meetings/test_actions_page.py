"""The actions page: every action agreed at a meeting the user may read, overdue first, with
filters; overdue actions tagged in the pack's action log and in the minutes by the one rule."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from portal import clock
from portal.extensions import db
from portal.meetings import minutes
from portal.meetings.pack_content import build_pack
from portal.meetings.pack_rendering import render_pack
from portal.models import Action, ActionStatus, Agency, Meeting, Provider, Role
from tests import factories
from tests.meetings.helpers import meeting, pdf_text, sign_in

TODAY = date(2026, 12, 6)
URL = "/meetings/actions"
NAMES = {
    "MERTON": "London Borough of Merton",
    "CQC": "Care Quality Commission",
    "MPS": "Metropolitan Police Service",
    "HARROW": "London Borough of Harrow",
}


@pytest.fixture(autouse=True)
def fixed_day():
    with clock.fixed_today(TODAY):
        yield


def _action(
    held: Meeting,
    description: str,
    owner: str,
    provider: Provider | None,
    due_on: date | None,
    status: ActionStatus = ActionStatus.OPEN,
) -> Action:
    made = Action(
        meeting_id=held.id,
        provider_id=provider.id if provider else None,
        description=description,
        owner_agency_id=factories.agency(owner).id,
        due_on=due_on,
        status=status,
        closing_note="Closed by the owner" if status is not ActionStatus.OPEN else "",
        created_by_id=held.chair_id,
    )
    db.session.add(made)
    db.session.flush()
    return made


def build() -> SimpleNamespace:
    """Merton's meeting (MERTON and CQC invited) with six actions, and Harrow's (HARROW and
    MPS invited) with one overdue action nobody in Merton or CQC may see."""
    for code, name in NAMES.items():
        factories.agency(code, name=name)
    held = meeting(("MERTON", "CQC"), held_on=TODAY - timedelta(days=30))
    cedar = factories.provider(name="Cedar Lodge Care Home")
    birch = factories.provider(name="Birch House")
    day = timedelta(days=1)
    w = SimpleNamespace(held=held, cedar=cedar, birch=birch)
    w.night = _action(held, "Unannounced night visit", "MERTON", cedar, TODAY - 5 * day)
    w.plan = _action(held, "Ask for the business plan", "CQC", birch, TODAY + 10 * day)
    w.inspect = _action(
        held, "Consider a responsive inspection", "CQC", cedar, TODAY - 20 * day, ActionStatus.DONE
    )
    w.dols = _action(held, "Check the DoLS renewals", "MERTON", None, None, ActionStatus.DROPPED)
    w.review = _action(held, "Review the placements", "MERTON", cedar, TODAY)
    w.share = _action(held, "Share the findings", "MERTON", birch, None)
    w.harrow_meeting = meeting(
        ("HARROW", "MPS"), held_on=TODAY - timedelta(days=20), chair_agency="HARROW"
    )
    w.secret = _action(w.harrow_meeting, "Harrow's own visit", "HARROW", birch, TODAY - 3 * day)
    db.session.commit()
    return w


DESCRIPTIONS = [
    "Unannounced night visit",
    "Ask for the business plan",
    "Consider a responsive inspection",
    "Check the DoLS renewals",
    "Review the placements",
    "Share the findings",
    "Harrow&#39;s own visit",
]


def table(html: str) -> str:
    """The table body of the page ("" when it shows no table)."""
    start = html.find("<tbody")
    return html[start : html.find("</tbody>")] if start >= 0 else ""


def shown(html: str) -> list[str]:
    """The actions the page lists, in its order."""
    body = table(html)
    return sorted((d for d in DESCRIPTIONS if d in body), key=body.find)


def row(html: str, description: str) -> str:
    """The table row holding the description."""
    at = html.find(description)
    return html[html.rfind("<tr", 0, at) : html.find("</tr>", at)]


def page(client, user, query: str = "") -> str:
    sign_in(client, user)
    response = client.get(f"{URL}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def member(code: str, role: Role = Role.MEMBER):
    made = factories.user(role, factories.agency(code))
    db.session.commit()
    return made


# --- what is listed, in which order ------------------------------------------------------


def test_a_member_sees_the_open_actions_of_their_meetings_overdue_first_then_by_due_date(
    app, client
):
    w = build()
    html = page(client, member("MERTON"))
    assert shown(html) == [
        "Unannounced night visit",  # overdue
        "Review the placements",  # due today: not overdue
        "Ask for the business plan",
        "Share the findings",  # no due date: last
    ]
    assert "4 actions open, overdue first" in html
    night = row(html, "Unannounced night visit")
    assert "Overdue" in night
    assert f'href="/providers/{w.cedar.id}"' in night
    assert "London Borough of Merton" in night and ">MERTON<" not in night
    assert f'href="/meetings/{w.held.id}/minutes#actions"' in night
    assert "Overdue" not in row(html, "Review the placements")
    assert table(html).count("Overdue") == 1
    assert "No provider" not in table(html)


def test_overdue_is_the_models_rule_as_of_today(app, client):
    w = build()
    user = member("MERTON")
    with clock.fixed_today(TODAY + timedelta(days=11)):
        html = page(client, user, "?status=any")
    # Open and past due: overdue, the longest overdue first. Done past due is never overdue.
    overdue = [d for d in shown(html) if "Overdue" in row(html, d)]
    assert overdue == [
        "Unannounced night visit",
        "Review the placements",
        "Ask for the business plan",
    ]
    actions = db.session.get(Action, w.inspect.id), db.session.get(Action, w.plan.id)
    assert [a.is_overdue(TODAY + timedelta(days=11)) for a in actions] == [False, True]


# --- each filter ------------------------------------------------------------------------


def test_each_filter_narrows_the_list_and_they_combine(app, client):
    w = build()
    user = member("MERTON")
    cqc = factories.agency("CQC")
    assert shown(page(client, user, f"?owner={cqc.id}")) == ["Ask for the business plan"]
    assert shown(page(client, user, "?status=done")) == ["Consider a responsive inspection"]
    assert shown(page(client, user, "?status=dropped")) == ["Check the DoLS renewals"]
    assert len(shown(page(client, user, "?status=any"))) == 6
    assert shown(page(client, user, "?overdue=y")) == ["Unannounced night visit"]
    # Overdue means open: a done action past its date is not overdue, whatever the status asked.
    assert shown(page(client, user, "?overdue=y&status=any")) == ["Unannounced night visit"]
    assert shown(page(client, user, "?overdue=y&status=done")) == []
    assert shown(page(client, user, f"?provider={w.cedar.id}")) == [
        "Unannounced night visit",
        "Review the placements",
    ]
    assert shown(page(client, user, f"?provider={w.cedar.id}&status=any&owner={cqc.id}")) == [
        "Consider a responsive inspection"
    ]
    assert len(shown(page(client, user, f"?meeting={w.held.id}&status=any"))) == 6
    html = page(client, user, f"?status=done&owner={cqc.id}")
    assert "1 action matching the filters" in html
    assert 'option value="done" selected' in html
    assert f'option value="{cqc.id}" selected' in html
    assert '<details class="govuk-details" open>' in html
    assert 'href="/meetings/actions">Clear filters' in html


def options(html: str, name: str) -> dict[str, str]:
    """A select box's options: value -> text."""
    start = html.find(f'<select class="govuk-select" id="{name}"')
    found = re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
        html[start : html.find("</select>", start)],
    )
    return dict(found)


def test_the_filters_offer_only_what_the_user_can_see(app, client):
    w = build()
    html = page(client, member("MERTON"))
    assert set(options(html, "owner").values()) == {
        "Any agency",
        "London Borough of Merton",
        "Care Quality Commission",
    }
    meetings = options(html, "meeting")
    assert set(meetings) == {"", str(w.held.id)}
    assert meetings[str(w.held.id)] == f"6 November 2026: {w.held.title}"
    assert set(options(html, "provider").values()) == {
        "Any provider",
        "Cedar Lodge Care Home",
        "Birch House",
    }
    assert list(options(html, "status")) == ["open", "done", "dropped", "any"]


def test_pages_keep_the_filters(app, client):
    build()
    app.config["PORTAL"]["page_size"] = 2
    user = member("MERTON")
    first = page(client, user, "?status=any")
    assert "6 actions matching the filters" in first
    assert 'href="/meetings/actions?page=2&amp;status=any"' in first
    second = page(client, user, "?status=any&page=2")
    assert len(shown(second)) == 2 and not set(shown(second)) & set(shown(first))
    assert len(shown(page(client, user, "?status=any&page=999"))) == 2  # the last page


# --- who sees what ----------------------------------------------------------------------


def test_only_the_actions_of_meetings_the_user_may_read_are_listed(app, client):
    w = build()
    # MPS is invited to Harrow's meeting only; a Harrow chair runs that one, not Merton's.
    for user in (member("MPS"), member("HARROW", Role.CHAIR)):
        html = page(client, user, "?status=any")
        assert shown(html) == ["Harrow&#39;s own visit"]
        refused = page(client, user, f"?meeting={w.held.id}&status=any")
        assert "Choose a meeting from the list" in refused
        assert shown(refused) == ["Harrow&#39;s own visit"]
    # CQC is invited to Merton's meeting and sees all of its actions, none of Harrow's.
    html = page(client, member("CQC"), "?status=any")
    assert len(shown(html)) == 6 and "Harrow" not in table(html)


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.VIEWER, 403), (Role.ADMIN, 403), (Role.MEMBER, 200), (Role.CHAIR, 200)],
)
def test_members_and_chairs_open_the_page_viewers_and_administrators_do_not(
    app, client, role, status
):
    build()
    sign_in(client, member("MERTON", role))
    response = client.get(f"{URL}?status=any")
    assert response.status_code == status
    if status == 403:
        assert "Unannounced night visit" not in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    build()
    response = client.get(URL)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def updatable(html: str) -> list[str]:
    """The actions the page offers an Update link for."""
    return [d for d in shown(html) if "Update<span" in row(html, d)]


def test_update_links_follow_the_policy_owner_agency_and_the_meetings_chairs(app, client):
    w = build()
    everything = "?status=any"
    cqc_member = page(client, member("CQC"), everything)
    assert updatable(cqc_member) == [
        "Consider a responsive inspection",
        "Ask for the business plan",
    ]
    merton_member = page(client, member("MERTON"), everything)
    assert set(updatable(merton_member)) == {
        "Unannounced night visit",
        "Check the DoLS renewals",
        "Review the placements",
        "Share the findings",
    }
    # The meeting's chair, and the chairs of its host agency (MERTON), update every action of
    # it; an invited agency's chair updates only its own agency's, as its members do.
    assert len(updatable(page(client, w.held.chair, everything))) == 6
    assert len(updatable(page(client, member("MERTON", Role.CHAIR), everything))) == 6
    assert updatable(page(client, member("CQC", Role.CHAIR), everything)) == updatable(cqc_member)
    link = f'href="/meetings/actions/{w.plan.id}"'
    assert link in cqc_member and link not in merton_member


# --- hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?owner=abc", "Choose an owner agency from the list"),
        ("?owner=-1", "Choose an owner agency from the list"),
        ("?owner=99999999999999999999999", "Choose an owner agency from the list"),
        ("?owner=" + "9" * 10_000, "Choose an owner agency from the list"),
        ("?provider=2147483648", "Choose a provider from the list"),
        ("?provider=%EF%BC%91", "Choose a provider from the list"),  # a full-width digit one
        ("?status=closed", "Choose a status from the list"),
        ("?status=" + "x" * 10_000, "Choose a status from the list"),
        ("?page=-5&overdue=" + "y" * 5_000, None),
    ],
)
def test_hostile_filter_values_are_explained_and_ignored_never_an_error(
    app, client, query, message
):
    build()
    html = page(client, member("MERTON"), query)
    if message:
        assert message in html and "There is a problem" in html
        assert html.count("<title>Error: Actions") == 1
    assert "Unannounced night visit" in table(html)
    assert "x" * 100 not in html and "9" * 100 not in html


@pytest.mark.parametrize(
    "query", ["?meeting=1%00", "?owner=%00", "?status=open%00", "?page=%00&overdue=%00"]
)
def test_a_nul_byte_in_a_filter_is_refused_with_the_reason(app, client, query):
    build()
    sign_in(client, member("MERTON"))
    response = client.get(f"{URL}{query}")
    assert response.status_code == 400
    assert "NUL byte" in response.get_data(as_text=True)


# --- a page costs the same queries whatever it holds -------------------------------------


def _many(n: int) -> Agency:
    """n meetings of Merton's (MERTON, CQC and MPS invited), each with three actions about
    its own provider, owned by three agencies."""
    owners = ("MERTON", "CQC", "MPS")
    for k in range(n):
        held = meeting(owners, held_on=TODAY - timedelta(days=30 + k))
        provider = factories.provider(name=f"Provider {k}")
        for j, owner in enumerate(owners):
            _action(held, f"Action {k}-{j}", owner, provider, TODAY - timedelta(days=j - 1))
    db.session.commit()
    return factories.agency("MERTON")


def test_the_page_costs_the_same_queries_with_ten_times_the_actions(app, client, count_queries):
    def queries(query: str) -> int:
        client.get(f"{URL}{query}")  # warm up: first-request work is not the page's cost
        db.session.expunge_all()
        with count_queries() as statements:
            response = client.get(f"{URL}{query}")
        assert response.status_code == 200
        return len(statements)

    user = factories.user(Role.MEMBER, factories.agency("CQC"))
    db.session.commit()
    sign_in(client, user)
    _many(2)
    few = queries("?status=any"), queries("?overdue=y")
    _many(20)
    many = queries("?status=any"), queries("?overdue=y")
    assert few == many
    assert few[0] <= 10


# --- the navigation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "offered"),
    [(Role.MEMBER, True), (Role.CHAIR, True), (Role.VIEWER, False), (Role.ADMIN, False)],
)
def test_the_navigation_offers_the_actions_page_to_members_and_chairs(app, client, role, offered):
    sign_in(client, member("MERTON", role))
    html = client.get("/").get_data(as_text=True)
    nav = html[html.find('<nav aria-label="Main"') : html.find("</nav>")]
    assert (f'href="{URL}"' in nav) is offered


def test_the_actions_page_is_marked_current_in_the_navigation(app, client):
    build()
    html = page(client, member("MERTON"))
    assert re.search(r'aria-current="[a-z]+">\s*<strong[^>]*>Actions</strong>', html)


# --- overdue in the pack and the minutes ---------------------------------------------------


def test_the_packs_action_log_tags_what_is_overdue_on_the_packs_day(app):
    earlier = meeting(("MERTON", "CQC"), held_on=TODAY - timedelta(days=60))
    held_on = TODAY - timedelta(days=2)  # the pack is built as of its meeting's day
    planned = meeting(("MERTON", "CQC"), held_on=held_on)
    _action(earlier, "Overdue on the day", "MERTON", None, held_on - timedelta(days=1))
    _action(earlier, "Due on the day", "CQC", None, held_on)
    _action(earlier, "Due after the day", "CQC", None, held_on + timedelta(days=1))
    db.session.commit()
    content = build_pack(planned, TODAY)
    assert content.agenda.as_of == held_on
    with app.test_request_context("/"):
        html = render_pack(content, for_pdf=False)
    log = html[html.find('id="action-log-open"') :]
    assert "Overdue" in row(log, "Overdue on the day")
    assert "Overdue" not in row(log, "Due on the day")
    assert "Overdue" not in row(log, "Due after the day")


def test_the_minutes_tag_overdue_actions_as_of_the_day_they_are_read_or_approved(app, client):
    w = build()
    sign_in(client, w.held.chair)
    minutes_page = client.get(f"/meetings/{w.held.id}/minutes").get_data(as_text=True)
    assert "Overdue" in row(minutes_page, "Unannounced night visit")
    for calm in ("Review the placements", "Consider a responsive inspection", "Share the findings"):
        assert "Overdue" not in row(minutes_page, calm)

    # Approved two days before the action fell due, the PDF tags nothing; as the page is read
    # now, the same action is overdue.
    with app.test_request_context("/"):
        minutes.approve(w.held.chair, w.held, TODAY - timedelta(days=7))
    db.session.commit()
    pdf = client.get(f"/meetings/{w.held.id}/minutes.pdf")
    assert "Overdue" not in pdf_text(pdf.data)
    minutes_page = client.get(f"/meetings/{w.held.id}/minutes").get_data(as_text=True)
    assert "Overdue" in row(minutes_page, "Unannounced night visit")


def test_approved_minutes_tag_an_action_overdue_on_the_day_of_approval(app):
    w = build()
    content = minutes.minutes(w.held, TODAY)
    assert content.as_of == TODAY
    with app.test_request_context("/"):
        pdf, _sha = minutes.minutes_pdf(content)
    text = pdf_text(pdf)
    assert text.count("Overdue") == 1
