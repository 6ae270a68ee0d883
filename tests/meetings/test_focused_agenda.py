"""The focused agenda: the group's rules qualify providers for discussion, ranked and capped;
the rest that qualify are "also qualified"; every other provider with new intelligence is for
noting; the chair moves, removes and orders them from the meeting page until the meeting is
held. Each rule can be switched off in config/."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import clock
from portal.config import AgendaRules, ConfigurationError, load_settings
from portal.extensions import db
from portal.meetings.minutes import minutes
from portal.meetings.proposals import Agenda, NotingEntry, agenda, chair_reason
from portal.models import (
    Action,
    AuditEvent,
    Discussion,
    Marking,
    Meeting,
    MeetingProvider,
    MeetingStatus,
    ProviderRating,
    Rating,
    RatingDomain,
    Role,
)
from portal.risk import ProviderRisk
from portal.risk_bands import Band
from portal.templating import govuk_date
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import HELD_ON, add_to_agenda, csrf, forget_user, meeting, sign_in
from tests.robustness.strategies import NUMBER_TEXT

TODAY = HELD_ON - timedelta(days=10)
EARLIER = TODAY - timedelta(days=20)  # the group's last meeting: "since" for this one
#: A rule switched on -> the provider of the group that qualifies by it alone.
RULES = {
    "current_risk": "extreme",
    "risk_up_a_band": "rising",
    "open_concern": "concern",
    "embargo_in_force": "embargoed",
    "poor_cqc_rating": "rated",
    "overdue_action": "overdue",
    "chair_additions": "added",
}
EVERY_RULE = AgendaRules(cap=50)


def _item(officer, provider, likelihood: int, impact: int, days_ago: int) -> None:
    """An item observed that many days ago, and logged on that day at noon."""
    observed = TODAY - timedelta(days=days_ago)
    factories.item(
        officer,
        Marking.GREEN,
        provider,
        likelihood=likelihood,
        impact=impact,
        observed_on=observed,
        logged_at=datetime.combine(observed, time(12)),
    )


def group() -> SimpleNamespace:
    """A planned meeting after an earlier one, and a provider qualifying by each rule alone,
    and three for noting: new this month, down a band, and a band as before."""
    earlier = meeting(held_on=EARLIER)
    planned = meeting()
    chair, officer = planned.chair, factories.user(Role.MEMBER, factories.agency("MPS"))
    made = SimpleNamespace(meeting=planned, earlier=earlier, chair=chair, officer=officer)
    for key in (*RULES.values(), "new", "down", "same"):
        setattr(made, key, factories.provider(name=f"{key.title()} House"))
    _item(officer, made.extreme, 4, 4, 50)  # extreme then and now: no rise
    _item(officer, made.extreme, 4, 4, 3)
    _item(officer, made.rising, 2, 2, 50)  # moderate then, high now
    _item(officer, made.rising, 3, 4, 3)
    factories.concern(made.concern, chair)
    factories.embargo(made.embargoed, chair)
    db.session.add(
        ProviderRating(
            provider=made.rated,
            domain=RatingDomain.OVERALL,
            rating=Rating.REQUIRES_IMPROVEMENT,
            published_on=TODAY - timedelta(days=5),
        )
    )
    db.session.add(
        Action(
            meeting_id=earlier.id,
            provider_id=made.overdue.id,
            description="Unannounced visit",
            owner_agency_id=factories.agency("MERTON").id,
            due_on=TODAY - timedelta(days=2),
            created_by_id=chair.id,
        )
    )
    add_to_agenda(planned, made.added.id, "Added by the chair: partners asked")
    _item(officer, made.new, 2, 3, 2)  # moderate, none then
    _item(officer, made.down, 3, 3, 100)  # high then, out of the window now
    _item(officer, made.down, 1, 2, 2)
    _item(officer, made.same, 2, 2, 50)
    _item(officer, made.same, 2, 3, 1)
    db.session.commit()
    return made


def _discussed(plan: Agenda) -> list[str]:
    return [e.name for e in plan.entries]


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_qualifies_its_provider_and_can_be_switched_off(app, rule):
    made = group()
    name = getattr(made, RULES[rule]).name
    plan = agenda(made.meeting, TODAY, EVERY_RULE)
    assert name in _discussed(plan)
    assert sorted(_discussed(plan)) == sorted(getattr(made, k).name for k in RULES.values())

    off = agenda(made.meeting, TODAY, AgendaRules(cap=50, **{rule: False}))
    assert name not in _discussed(off)
    assert name not in [e.name for e in off.also_qualified]
    assert len(off.entries) == len(RULES) - 1


def test_each_reason_is_given_once_in_words_a_chair_reads(app):
    made = group()
    reasons = {e.name: e.reasons for e in agenda(made.meeting, TODAY, EVERY_RULE).entries}
    since = govuk_date(EARLIER)
    assert reasons["Extreme House"] == ["Current risk 16 (extreme) from 2 items"]
    assert reasons["Rising House"] == [
        f"Risk up from moderate to high since {since}: current risk 12 from 2 items"
    ]
    assert reasons["Concern House"][0].startswith(
        "Open provider concern: Decision to initiate provider concerns (since "
    )
    assert reasons["Embargoed House"][0].startswith("Embargo on new placements in force since")
    assert reasons["Rated House"] == [
        f"CQC rated Requires improvement overall, published {govuk_date(TODAY - timedelta(days=5))}"
    ]
    assert reasons["Overdue House"] == [
        f"Overdue action, due {govuk_date(TODAY - timedelta(days=2))}"
    ]
    # The chair's reason typed with the prefix the agenda adds is said once.
    assert reasons["Added House"] == ["Added by the chair: partners asked"]
    assert chair_reason("Added by the chair: Added by the chair: x") == "Added by the chair: x"


def test_the_ranking_is_the_chairs_order_then_choices_then_processes_then_risk(app):
    made = group()
    plan = agenda(made.meeting, TODAY, EVERY_RULE)
    assert _discussed(plan) == [
        "Added House",  # the chair's addition
        "Concern House",  # the group's processes, by name (no risk)
        "Embargoed House",
        "Extreme House",  # then by current risk: 16, 12, then none, by name
        "Rising House",
        "Overdue House",
        "Rated House",
    ]
    row = db.session.get(MeetingProvider, (made.meeting.id, made.rated.id))
    assert row is None
    db.session.add(
        MeetingProvider(
            meeting_id=made.meeting.id,
            provider_id=made.rated.id,
            added=False,
            added_by_id=made.chair.id,
            position=1,
        )
    )
    db.session.commit()
    assert _discussed(agenda(made.meeting, TODAY, EVERY_RULE))[0] == "Rated House"


def test_the_cap_keeps_the_first_and_lists_the_rest_as_also_qualified_with_reasons(app):
    made = group()
    plan = agenda(made.meeting, TODAY, AgendaRules(cap=3))
    assert _discussed(plan) == ["Added House", "Concern House", "Embargoed House"]
    also = {e.name: e.reason for e in plan.also_qualified}
    assert list(also) == ["Extreme House", "Rising House", "Overdue House", "Rated House"]
    assert also["Extreme House"] == "Current risk 16 (extreme) from 2 items"
    assert plan.provider_ids == [made.added.id, made.concern.id, made.embargoed.id]


def test_providers_for_noting_have_their_risk_new_items_and_change_since_the_last_meeting(app):
    made = group()
    plan = agenda(made.meeting, TODAY, EVERY_RULE)
    rows = {n.name: n for n in plan.noting}
    assert set(rows) == {"New House", "Down House", "Same House"}
    assert rows["New House"] == NotingEntry(
        made.new.id, "New House", ProviderRisk(6, 1), new_items=1, previous_band=None
    )
    assert (rows["New House"].change, rows["New House"].risk.band) == ("New", Band.MODERATE)
    assert rows["Down House"].change == "Down from High"
    assert rows["Down House"].new_items == 1
    assert rows["Same House"].change == "No change"
    assert rows["Same House"].new_items == 1
    # Highest current risk first.
    assert [n.name for n in plan.noting] == ["New House", "Same House", "Down House"]
    up = NotingEntry(1, "x", ProviderRisk(12, 1), 1, Band.MODERATE)
    assert up.change == "Up from Moderate"

    # With a cap of 3, a provider beyond it with new intelligence is for noting too.
    capped = agenda(made.meeting, TODAY, AgendaRules(cap=3))
    assert {"Extreme House", "Rising House"} <= {n.name for n in capped.noting}


def test_the_group_sets_the_rules_in_config_and_bad_values_stop_the_start(monkeypatch):
    rules = load_settings()["meetings"]["agenda"]
    assert rules["cap"] == 15 and rules["current_risk_band"] == "extreme"
    monkeypatch.setenv("PORTAL_MEETINGS_AGENDA_CAP", "12")
    monkeypatch.setenv("PORTAL_MEETINGS_AGENDA_OVERDUE_ACTION", "false")
    settings = load_settings()["meetings"]["agenda"]
    assert settings["cap"] == 12 and settings["overdue_action"] is False
    for name, value, message in [
        ("CAP", "0", "meetings.agenda.cap: the most providers for discussion is a whole number"),
        ("CAP", "lots", "PORTAL_MEETINGS_AGENDA_CAP: expected a whole number"),
        ("OPEN_CONCERN", "maybe", "PORTAL_MEETINGS_AGENDA_OPEN_CONCERN: expected true or false"),
        ("CURRENT_RISK_BAND", "low", "meetings.agenda.current_risk_band: one of moderate, high"),
    ]:
        monkeypatch.setenv(f"PORTAL_MEETINGS_AGENDA_{name}", value)
        with pytest.raises(ConfigurationError, match=re.escape(message)):
            load_settings()
        monkeypatch.delenv(f"PORTAL_MEETINGS_AGENDA_{name}")
    with pytest.raises(ConfigurationError, match="unknown setting 'colour'"):
        load_settings({"meetings": {"agenda": {"colour": "red"}}})


# --- the chair's controls on the meeting page ---------------------------------------------


def _post(client, path: str, data: dict) -> object:
    return client.post(path, data={"csrf_token": csrf(client)} | data)


def _rows(meeting_id: int) -> dict[int, MeetingProvider]:
    db.session.expire_all()
    return {
        r.provider_id: r
        for r in db.session.scalars(
            sa.select(MeetingProvider).where(MeetingProvider.meeting_id == meeting_id)
        )
    }


def _page_agenda(made: SimpleNamespace) -> Agenda:
    db.session.expire_all()
    return agenda(made.meeting, TODAY)


def test_the_chair_moves_providers_between_discussion_and_noting(app, client):
    made = group()
    base = f"/meetings/{made.meeting.id}/agenda"
    with clock.fixed_today(TODAY):
        sign_in(client, made.chair)
        page = client.get(f"/meetings/{made.meeting.id}").get_data(as_text=True)
        assert "For noting" in page and "Down from High" in page and "Save the order" in page

        moved = _post(
            client,
            f"{base}/noting",
            {"provider_id": [str(made.extreme.id), str(made.rated.id)]},
        )
        assert moved.status_code == 302
        plan = _page_agenda(made)
        assert {"Extreme House", "Rated House"} <= {n.name for n in plan.noting}
        assert "Extreme House" not in _discussed(plan)

        back = _post(client, f"{base}/{made.extreme.id}/list", {"listed_for": "discussion"})
        assert back.status_code == 302
        assert "Extreme House" in _discussed(_page_agenda(made))
        # A provider for noting only (new intelligence, no rule) moves to discussion too.
        _post(client, f"{base}/{made.new.id}/list", {"listed_for": "discussion"})
        plan = _page_agenda(made)
        entry = next(e for e in plan.entries if e.name == "New House")
        assert entry.reasons == ["Moved to the discussion list by the chair"]
        assert "New House" not in {n.name for n in plan.noting}
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "agenda-changed")
        ).all()
        assert sorted(e.data["change"] for e in events) == [
            "listed for discussion",
            "listed for discussion",
            "listed for noting",
            "listed for noting",
        ]


def test_the_chair_adds_an_also_qualified_provider_with_one_click(app, client):
    made = group()
    app.config["PORTAL"]["meetings"]["agenda"]["cap"] = 3
    with clock.fixed_today(TODAY):
        sign_in(client, made.chair)
        page = client.get(f"/meetings/{made.meeting.id}").get_data(as_text=True)
        assert "Also qualified" in page and "Add to discussion" in page
        added = _post(
            client,
            f"/meetings/{made.meeting.id}/agenda/{made.rated.id}/list",
            {"listed_for": "discussion"},
        )
        assert added.status_code == 302
        plan = _page_agenda(made)
        # The chair's choice is for discussion beyond the cap; the others keep their places.
        assert _discussed(plan) == ["Added House", "Rated House", "Concern House"]
        assert [e.name for e in plan.also_qualified][0] == "Embargoed House"


def test_the_chair_takes_several_off_with_one_reason_and_a_missing_reason_is_explained(app, client):
    made = group()
    path = f"/meetings/{made.meeting.id}/agenda/remove"
    chosen = [str(made.extreme.id), str(made.overdue.id), str(made.rated.id)]
    with clock.fixed_today(TODAY):
        sign_in(client, made.chair)
        refused = _post(client, path, {"provider_id": chosen, "reason": "  "})
        assert refused.status_code == 400
        words = refused.get_data(as_text=True)
        assert "Enter the reason for taking them off the agenda" in words
        assert words.count("checked") >= 3  # what was ticked is still ticked
        assert not any(r.removed_reason for r in _rows(made.meeting.id).values())

        done = _post(client, path, {"provider_id": chosen, "reason": "Covered at the forum"})
        assert done.status_code == 302
        plan = _page_agenda(made)
        assert {e.name: e.removed_reason for e in plan.removed} == dict.fromkeys(
            ["Extreme House", "Overdue House", "Rated House"], "Covered at the forum"
        )
        # Still on record for noting: its new intelligence is not lost.
        assert "Extreme House" in {n.name for n in plan.noting}
        page = client.get(f"/meetings/{made.meeting.id}").get_data(as_text=True)
        assert "Taken off the agenda by the chair" in page and "Covered at the forum" in page


def test_the_chair_orders_the_discussion_list_with_the_plain_form(app, client):
    made = group()
    with clock.fixed_today(TODAY):
        sign_in(client, made.chair)
        first = _page_agenda(made).provider_ids
        numbers = {f"position-{pid}": str(n) for n, pid in enumerate(reversed(first), start=1)}
        saved = _post(client, f"/meetings/{made.meeting.id}/agenda/order", numbers)
        assert saved.status_code == 302
        assert _page_agenda(made).provider_ids == list(reversed(first))
        # One box changed: that provider goes first, ties keep the list's order.
        now = _page_agenda(made).provider_ids
        _post(client, f"/meetings/{made.meeting.id}/agenda/order", {f"position-{now[-1]}": "1"})
        assert _page_agenda(made).provider_ids == [now[-1], *now[:-1]]
        # The old one-step buttons' route still works.
        _post(client, f"/meetings/{made.meeting.id}/agenda/{now[0]}/move", {"direction": "up"})
        assert _page_agenda(made).provider_ids[:2] == [now[0], now[-1]]


HOSTILE = [
    ("order", {"position-{provider}": "abc"}, "Enter the order as a whole number"),
    ("order", {"position-{provider}": "²"}, "Enter the order as a whole number"),
    ("order", {"position-{provider}": "9" * 400}, "Enter the order as a whole number"),
    ("order", {"position-99999999": "1"}, "Choose providers from the list"),
    ("order", {"position-x1": "1"}, "Choose providers from the list"),
    ("remove", {"provider_id": "99999999", "reason": "x"}, "Choose providers from the list"),
    ("remove", {"provider_id": "{noting}", "reason": "x"}, "Choose providers from the list"),
    ("remove", {"provider_id": "{provider}", "reason": "x" * 100_000}, "2,000 characters"),
    ("remove", {"provider_id": "{provider}", "reason": "a\x00b"}, ""),
    ("remove", {"reason": "Covered"}, "Select at least one provider"),
    ("noting", {"provider_id": "-1"}, "Choose providers from the list"),
    ("noting", {}, "Select at least one provider"),
    ("{provider}/list", {"listed_for": "bin"}, "Choose the discussion list or the noting list"),
    ("{unlisted}/list", {"listed_for": "discussion"}, "Choose providers from the list"),
]


@pytest.mark.parametrize(("path", "fields", "message"), HOSTILE)
def test_hostile_input_is_a_clear_400_and_changes_nothing(app, client, path, fields, message):
    made = group()
    unlisted = factories.provider(name="Quiet House")
    db.session.commit()
    names = {"provider": made.extreme.id, "noting": made.new.id, "unlisted": unlisted.id}
    with clock.fixed_today(TODAY):
        sign_in(client, made.chair)
        before = {pid: (r.position, r.removed_reason) for pid, r in _rows(made.meeting.id).items()}
        data = {k.format(**names): v.format(**names) for k, v in fields.items()}
        answer = _post(client, f"/meetings/{made.meeting.id}/agenda/" + path.format(**names), data)
        assert answer.status_code == 400
        assert message in answer.get_data(as_text=True)
        after = {pid: (r.position, r.removed_reason) for pid, r in _rows(made.meeting.id).items()}
        assert after == before
    assert client.post(f"/meetings/{made.meeting.id}/agenda/99999999999/list").status_code == 404


def _agenda_changes() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "agenda-changed")
        )
        or 0
    )


NOT_THERE = [
    # Move: only a provider on the discussion list moves.
    ("{noting}/move", {"direction": "up"}),
    ("{unlisted}/move", {"direction": "down"}),
    ("{removed}/move", {"direction": "up"}),
    ("99999999/move", {"direction": "up"}),
    ("{noting}/move", {"direction": "sideways"}),
    # Restore: only a provider taken off comes back.
    ("{provider}/restore", {}),
    ("{added}/restore", {}),
    ("{noting}/restore", {}),
    ("{unlisted}/restore", {}),
    ("99999999/restore", {}),
    ("99999999999/restore", {}),
]


@pytest.mark.parametrize(("path", "fields"), NOT_THERE)
def test_moving_or_restoring_a_provider_not_there_is_a_404_and_changes_nothing(
    app, client, path, fields
):
    made = group()
    unlisted = factories.provider(name="Quiet House")
    db.session.commit()
    names = {
        "provider": made.extreme.id,
        "added": made.added.id,
        "noting": made.new.id,
        "unlisted": unlisted.id,
        "removed": made.rated.id,
    }
    with clock.fixed_today(TODAY):
        sign_in(client, made.chair)
        gone = _post(
            client,
            f"/meetings/{made.meeting.id}/agenda/remove",
            {"provider_id": str(made.rated.id), "reason": "Covered at the forum"},
        )
        assert gone.status_code == 302
        before = {
            pid: (r.position, r.listed_for, r.removed_reason)
            for pid, r in _rows(made.meeting.id).items()
        }
        order = _page_agenda(made).provider_ids
        audited = _agenda_changes()
        answer = _post(
            client, f"/meetings/{made.meeting.id}/agenda/" + path.format(**names), fields
        )
        assert answer.status_code == 404
        after = {
            pid: (r.position, r.listed_for, r.removed_reason)
            for pid, r in _rows(made.meeting.id).items()
        }
        assert after == before and _page_agenda(made).provider_ids == order
        assert _agenda_changes() == audited


def test_a_provider_on_the_list_that_cannot_move_further_keeps_its_answer(app, client):
    made = group()
    with clock.fixed_today(TODAY):
        sign_in(client, made.chair)
        order = _page_agenda(made).provider_ids
        base = f"/meetings/{made.meeting.id}/agenda"
        first_up = _post(client, f"{base}/{order[0]}/move", {"direction": "up"})
        last_down = _post(client, f"{base}/{order[-1]}/move", {"direction": "down"})
        assert (first_up.status_code, last_down.status_code) == (302, 302)
        assert _page_agenda(made).provider_ids == order
        assert _agenda_changes() == 0


CONTROLS = [
    ("order", {"position-{provider}": "1"}),
    ("noting", {"provider_id": "{provider}"}),
    ("remove", {"provider_id": "{provider}", "reason": "Covered"}),
    ("{provider}/list", {"listed_for": "noting"}),
]


@pytest.mark.parametrize(("path", "fields"), CONTROLS)
def test_only_the_meetings_chair_and_its_host_agencys_chairs_use_the_controls(
    app, client, path, fields
):
    made = group()
    merton, cqc = factories.agency("MERTON"), factories.agency("CQC")
    people = {
        "viewer": (factories.user(Role.VIEWER, merton), 403),
        "member": (factories.user(Role.MEMBER, merton), 403),
        "administrator": (factories.user(Role.ADMIN, merton), 403),
        "chair of another borough": (factories.user(Role.CHAIR, factories.agency("HARROW")), 404),
        # An invited agency's chair reads the meeting like its members, and runs nothing.
        "chair of an invited agency": (factories.user(Role.CHAIR, cqc), 403),
        "chair of the host agency": (factories.user(Role.CHAIR, merton), 302),
        "the meeting's chair": (made.chair, 302),
    }
    db.session.commit()
    with clock.fixed_today(TODAY):
        for who, (user, status) in people.items():
            # Each chair who may act changes a provider of their own.
            provider = made.rising.id if who == "the meeting's chair" else made.extreme.id
            url = f"/meetings/{made.meeting.id}/agenda/" + path.format(provider=provider)
            data = {
                k.format(provider=provider): v.format(provider=provider) for k, v in fields.items()
            }
            sign_in(client, user)
            answer = _post(client, url, data)
            assert answer.status_code == status, who
            page = client.get(f"/meetings/{made.meeting.id}").get_data(as_text=True)
            assert ("Save the order" in page) is (status == 302), who
    forget_user()


def test_once_the_meeting_is_held_its_agenda_is_frozen(app, client):
    made = group()
    base = f"/meetings/{made.meeting.id}/agenda"
    tries = [
        ("order", {f"position-{made.extreme.id}": "1"}),
        ("noting", {"provider_id": str(made.extreme.id)}),
        ("remove", {"provider_id": str(made.extreme.id), "reason": "Covered"}),
        (f"{made.new.id}/list", {"listed_for": "discussion"}),
        (f"{made.extreme.id}/remove", {"reason": "Covered"}),
        (f"{made.extreme.id}/restore", {}),
        (f"{made.extreme.id}/move", {"direction": "down"}),
        ("add", {"provider_id": str(made.new.id), "reason": "Asked"}),
    ]
    sign_in(client, made.chair)
    for today in (HELD_ON + timedelta(days=1), TODAY):
        with clock.fixed_today(today):
            if today == TODAY:  # held early: the chair recorded the minutes already
                db.session.get(Meeting, made.meeting.id).status = MeetingStatus.HELD
                db.session.commit()
            before = {p: (r.position, r.listed_for) for p, r in _rows(made.meeting.id).items()}
            for path, data in tries:
                answer = _post(client, f"{base}/{path}", data)
                assert answer.status_code == 302, path
                page = client.get(answer.headers["Location"]).get_data(as_text=True)
                assert "its agenda is frozen" in page, path
                assert "Save the order" not in page and "Add to discussion" not in page
            after = {p: (r.position, r.listed_for) for p, r in _rows(made.meeting.id).items()}
            assert after == before and not any(
                r.removed_reason for r in _rows(made.meeting.id).values()
            )


def test_the_minutes_list_the_providers_for_discussion_and_any_discussed(app):
    made = group()
    db.session.add(
        Discussion(
            meeting_id=made.meeting.id,
            provider_id=made.same.id,
            notes="Noted the new items",
            recorded_by_id=made.chair.id,
        )
    )
    db.session.commit()
    listed = [p.name for p in minutes(made.meeting, TODAY).providers]
    plan = agenda(made.meeting, TODAY)
    assert listed == [*_discussed(plan), "Same House"]
    assert "New House" not in listed and "Down House" not in listed


def test_the_api_gives_the_discussion_list_in_order_and_the_noting_and_also_qualified(app, client):
    made = group()
    app.config["PORTAL"]["meetings"]["agenda"]["cap"] = 3
    member = factories.user(Role.MEMBER, factories.agency("CQC"))
    db.session.commit()
    token = api_token_for(member)
    forget_user()
    with clock.fixed_today(TODAY):
        answer = client.get(
            f"/api/v1/meetings/{made.meeting.id}", headers={"Authorization": f"Bearer {token}"}
        ).get_json()
    assert [a["provider_id"] for a in answer["agenda"]] == [
        made.added.id,
        made.concern.id,
        made.embargoed.id,
    ]
    assert set(answer["agenda"][0]) == {"provider_id", "reason"}
    assert [a["name"] for a in answer["also_qualified"]][:2] == ["Extreme House", "Rising House"]
    noting = {n["name"]: n for n in answer["noting"]}
    assert noting["Same House"] == {
        "provider_id": made.same.id,
        "name": "Same House",
        "new_items": 1,
    }


@pytest.fixture
def made(app) -> SimpleNamespace:
    """The group of meetings and providers, built once for a test's examples."""
    return group()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(
    box=st.sampled_from(["position-{first}", "position-x", "position-", "position-00"])
    | st.text(max_size=20).map(lambda t: "position-" + t),
    number=NUMBER_TEXT | st.text(max_size=50),
    chosen=st.lists(NUMBER_TEXT | st.just("{first}"), max_size=4),
    reason=st.text(max_size=300),
    action=st.sampled_from(["order", "noting", "remove"]),
)
def test_any_input_to_the_discussion_list_is_answered_never_a_500(
    client,
    made: SimpleNamespace,
    box: str,
    number: str,
    chosen: list[str],
    reason: str,
    action: str,
) -> None:
    first = made.extreme.id
    sign_in(client, made.chair)
    data = {
        box.replace("{first}", str(first)): number,
        "provider_id": [c.replace("{first}", str(first)) for c in chosen],
        "reason": reason,
    }
    with clock.fixed_today(TODAY):
        answer = _post(client, f"/meetings/{made.meeting.id}/agenda/{action}", data)
    assert answer.status_code in (302, 400), answer.status_code


def test_with_chair_additions_switched_off_the_add_page_refuses_and_says_why(app, client):
    made = group()
    app.config["PORTAL"]["meetings"]["agenda"]["chair_additions"] = False
    with clock.fixed_today(TODAY):
        sign_in(client, made.chair)
        page = client.get(f"/meetings/{made.meeting.id}").get_data(as_text=True)
        assert "Add a provider to the agenda" not in page and "Added House" not in page
        refused = _post(
            client,
            f"/meetings/{made.meeting.id}/agenda/add",
            {"provider_id": str(made.new.id), "reason": "Asked by CQC"},
        )
    assert refused.status_code == 400
    assert "do not let the chair add providers" in refused.get_data(as_text=True)
    assert db.session.get(MeetingProvider, (made.meeting.id, made.new.id)) is None
