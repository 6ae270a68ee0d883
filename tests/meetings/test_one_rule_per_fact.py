"""One rule per fact, read everywhere (issue 29, point 1).

A lifted embargo, an ended one, a closed provider concern and a done action, beside an
embargo in force, an open concern and an overdue action: every reader (the provider page and
list, the dashboard, the meetings list and a meeting's page with its agenda, the pack preview,
the issued pack's HTML and PDF, the minutes and their PDF, the API, the concern and embargo
pages and the embargo notice) must tell the truth about each. And each Python rule in the
models agrees with its SQL expression, day by day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import current_app
from flask.testing import FlaskClient

from portal import clock
from portal.concerns import embargoes, process
from portal.config import labels
from portal.extensions import db
from portal.meetings import minutes, packs, services
from portal.meetings.proposals import concern_stages
from portal.models import (
    Action,
    ActionStatus,
    ConcernStage,
    ConcernStatus,
    Embargo,
    Meeting,
    MeetingStatus,
    Provider,
    ProviderConcern,
    Role,
    User,
)
from portal.templating import govuk_date
from tests import factories
from tests.conftest import SUITE_DAY, api_token_for
from tests.meetings.helpers import add_to_agenda, meeting, pdf_text, sign_in

TODAY = SUITE_DAY


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# Every day below is used once, so a date in a document points to one fact.
LIFTED_STARTS, LIFTED_ON = ago(130), ago(40)
ENDED_STARTS, ENDED_ON = ago(100), ago(30)
IN_FORCE_STARTS = ago(90)
CLOSED_FIRST, CLOSED_ON = ago(120), ago(35)  # its stages a week apart: 120, 113, 106, 99
OPEN_FIRST = ago(60)  # initiated then, its initial meeting 53 days ago
UNTOUCHED_ON, EARLIER_ON, PLANNED_ON = ago(50), ago(20), TODAY + timedelta(days=10)

# Words only one embargo's reason holds: readers of what is in force today show the reason of
# the embargo in force and of no other.
LIFTED_REASON = "Quokka rota gaps"
ENDED_REASON = "Narwhal medicine errors"
IN_FORCE_REASON = "Pangolin night staffing"
DONE_ACTION = "Audit the Sorrel care plans"
OVERDUE_ACTION = "Visit Tamarind at night"


@pytest.fixture(autouse=True)
def fixed_today() -> Iterator[None]:
    with clock.fixed_today(TODAY):
        yield


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9))


def stage_label(stage: ConcernStage) -> str:
    return labels("concern_stages")[stage.value]


# --- the world, built with the factories and the services ---------------------------------


def _concern(
    provider: Provider, chair: User, first: date, stages: list[ConcernStage]
) -> ProviderConcern:
    made = factories.concern(provider, chair, stages=stages, first_on=first)
    made.opened_at = at_nine(first)
    db.session.flush()
    return made


def _embargoes(chair: User, ns: SimpleNamespace) -> None:
    ns.lifted_embargo = factories.embargo(ns.lifted, chair, starts_on=LIFTED_STARTS)
    ns.lifted_embargo.reason = LIFTED_REASON
    reason = {"lifted_on": LIFTED_ON.isoformat(), "reason": "Visits were good"}
    embargoes.lift_embargo(chair, ns.lifted_embargo, reason, TODAY)
    ns.ended_embargo = factories.embargo(ns.ended, chair, starts_on=ENDED_STARTS, ends_on=ENDED_ON)
    ns.ended_embargo.reason = ENDED_REASON
    ns.in_force_embargo = factories.embargo(ns.in_force, chair, starts_on=IN_FORCE_STARTS)
    ns.in_force_embargo.reason = IN_FORCE_REASON


def _concerns(chair: User, ns: SimpleNamespace) -> None:
    ns.closed_concern = _concern(
        ns.closed,
        chair,
        CLOSED_FIRST,
        [
            ConcernStage.INITIATE,
            ConcernStage.INITIAL_MEETING,
            ConcernStage.FINDINGS_MEETING,
            ConcernStage.QUALITY_ASSURANCE,
        ],
    )
    closure = {
        "stage": "closure",
        "occurred_on": CLOSED_ON.isoformat(),
        "after": "quality-assurance",
        "meeting_id": "",
        "note": "Closed",
        "outcome": "Concerns addressed",
    }
    process.record_stage(chair, ns.closed_concern, closure, TODAY)
    ns.open_concern = _concern(
        ns.open, chair, OPEN_FIRST, [ConcernStage.INITIATE, ConcernStage.INITIAL_MEETING]
    )


def _meetings(chair: User, ns: SimpleNamespace) -> None:
    """A past meeting nobody touched since planning it; an earlier one with the actions and
    approved minutes; a planned one with a pack issued. Every provider on both agendas."""
    invited = ("MERTON", "CQC")
    ns.untouched = meeting(invited, held_on=UNTOUCHED_ON)
    ns.earlier = meeting(invited, held_on=EARLIER_ON)
    ns.planned = meeting(invited, held_on=PLANNED_ON)
    for held in (ns.earlier, ns.planned):
        held.chair_id = chair.id
        for provider in ns.providers:
            add_to_agenda(held, provider.id, "Partners asked")
    merton = factories.agency("MERTON")
    ns.done_action = services.add_action(
        chair, ns.earlier, ns.done.id, DONE_ACTION, merton, ago(10)
    )
    ns.overdue_action = services.add_action(
        chair, ns.earlier, ns.overdue.id, OVERDUE_ACTION, merton, ago(5)
    )
    db.session.flush()
    services.update_action(chair, ns.done_action, ActionStatus.DONE, "Plans audited")
    db.session.commit()
    with current_app.test_request_context("/"):  # the documents' links need a request
        minutes.approve(chair, ns.earlier, TODAY)
        db.session.commit()
        packs.issue_pack(chair, ns.planned, TODAY)
        db.session.commit()


def build_world() -> SimpleNamespace:
    chair = factories.user(Role.CHAIR, factories.agency("MERTON"))
    factories.agency("CQC")
    ns = SimpleNamespace(chair=chair)
    names = {
        "lifted": "Lifted Lodge",
        "ended": "Ended House",
        "in_force": "Force Manor",
        "closed": "Closed Court",
        "open": "Open Grange",
        "done": "Sorrel Villa",
        "overdue": "Tamarind Villa",
    }
    for key, name in names.items():
        setattr(ns, key, factories.provider(name=name))
    ns.providers = [getattr(ns, key) for key in names]
    _embargoes(chair, ns)
    _concerns(chair, ns)
    db.session.commit()
    _meetings(chair, ns)
    return ns


# --- what a reader says -------------------------------------------------------------------


def words(html: str) -> str:
    """Visible words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def in_force_from(text: str, starts: date) -> bool:
    """Whether the text says an embargo starting that day is in force ("in force since/from")."""
    pattern = r"in force (?:since|from) " + re.escape(govuk_date(starts))
    return re.search(pattern, flat(text), flags=re.I) is not None


@dataclass
class Verdict:
    """Every false statement found, by reader: one run names every reader that lies."""

    lies: list[str] = field(default_factory=list)

    def check(self, reader: str, claim: str, ok: bool) -> None:
        if not ok:
            self.lies.append(f"{reader}: {claim}")

    def embargoes_in_words(self, reader: str, text: str) -> None:
        """A document naming the embargo in force by its start: none other is in force."""
        for starts, what in ((LIFTED_STARTS, "lifted"), (ENDED_STARTS, "ended")):
            self.check(
                reader, f"says the {what} embargo is in force", not in_force_from(text, starts)
            )
        self.check(reader, "misses the embargo in force", in_force_from(text, IN_FORCE_STARTS))

    def reasons(self, reader: str, text: str, control: bool = True) -> None:
        """A reader listing embargoes in force with their reasons: only the one in force."""
        for reason, what in ((LIFTED_REASON, "lifted"), (ENDED_REASON, "ended")):
            self.check(reader, f"shows the {what} embargo as in force", reason not in flat(text))
        if control:
            self.check(reader, "misses the embargo in force", IN_FORCE_REASON in flat(text))

    def concerns(self, reader: str, text: str) -> None:
        """A reader of concerns open today and their stage: the closed one is not open."""
        for stage in (ConcernStage.QUALITY_ASSURANCE, ConcernStage.CLOSURE):
            self.check(
                reader,
                f"shows the closed concern open at its stage {stage.value}",
                stage_label(stage) not in flat(text),
            )
        self.check(
            reader,
            "misses the open concern's stage",
            stage_label(ConcernStage.INITIAL_MEETING) in flat(text),
        )

    def action_rows(self, reader: str, html: str) -> None:
        """The done action's row says done, and never sits in a table of open actions."""
        seen = False
        for table in re.findall(r"<table.*?</table>", html, flags=re.S):
            caption = words(" ".join(re.findall(r"<caption.*?</caption>", table, flags=re.S)))
            for row in re.findall(r"<tr.*?</tr>", table, flags=re.S):
                text = words(row)
                if DONE_ACTION not in text:
                    continue
                seen = True
                self.check(reader, "shows the done action as open", "Open" not in text)
                self.check(reader, "shows the done action as overdue", "Overdue" not in text)
                self.check(reader, "does not say the action is done", "Done" in text)
                self.check(
                    reader,
                    f"lists the done action under {caption!r}",
                    "open" not in caption.lower(),
                )
        self.check(reader, "does not show the done action", seen)

    def action_text(self, reader: str, text: str) -> None:
        """In a PDF's text: what follows the done action's description says done, not open."""
        found = list(re.finditer(re.escape(DONE_ACTION), flat(text)))
        self.check(reader, "does not show the done action", bool(found))
        for match in found:
            after = flat(text)[match.end() : match.end() + 120]
            before_status = after.split("Done")[0]
            self.check(reader, "does not say the done action is done", "Done" in after)
            self.check(reader, "shows the done action as open", "Open" not in before_status)
            self.check(reader, "shows the done action as overdue", "Overdue" not in before_status)


def get(client: FlaskClient, url: str, **kwargs: Any) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.get_data(as_text=True)


def get_pdf_text(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    assert response.mimetype == "application/pdf"
    return pdf_text(response.data)


# --- the readers ----------------------------------------------------------------------------


def _provider_pages(client: FlaskClient, ns: SimpleNamespace, verdict: Verdict) -> None:
    for provider in (ns.lifted, ns.ended):
        page = words(get(client, f"/providers/{provider.id}"))
        reader = f"provider page of {provider.name}"
        verdict.check(reader, "says an embargo is in force", "is in force" not in page)
        verdict.check(reader, "tags an embargo In force", "In force" not in page)
        verdict.reasons(reader, page, control=False)
    page = words(get(client, f"/providers/{ns.in_force.id}"))
    verdict.check("provider page of Force Manor", "misses the embargo", "is in force" in page)
    page = words(get(client, f"/providers/{ns.closed.id}"))
    reader = "provider page of Closed Court"
    verdict.check(reader, "says the concern is open", "concerns process is open" not in page)
    verdict.check(reader, "misses that none is open", "There is no open provider concern" in page)
    page = words(get(client, f"/providers/{ns.open.id}"))
    verdict.check("provider page of Open Grange", "misses the concern", "process is open" in page)
    verdict.concerns("provider page of Open Grange", page)
    listed = words(get(client, "/providers?active_embargo=y"))
    reader = "provider list filtered by embargo"
    verdict.check(reader, "lists the lifted embargo", "Lifted Lodge" not in listed)
    verdict.check(reader, "lists the ended embargo", "Ended House" not in listed)
    verdict.check(reader, "misses the embargo in force", "Force Manor" in listed)
    listed = words(get(client, "/providers?open_concern=y"))
    reader = "provider list filtered by concern"
    verdict.check(reader, "lists the closed concern", "Closed Court" not in listed)
    verdict.check(reader, "misses the open concern", "Open Grange" in listed)


def _dashboard(client: FlaskClient, verdict: Verdict) -> None:
    html = get(client, "/")
    text = words(html)
    verdict.reasons("dashboard", text)
    verdict.concerns("dashboard", text)
    verdict.check("dashboard", "lists the closed concern", "Closed Court" not in text)
    verdict.check("dashboard", "lists the done action as open", DONE_ACTION not in text)
    rows = [words(r) for r in re.findall(r"<tr.*?</tr>", html, flags=re.S)]
    overdue = [r for r in rows if OVERDUE_ACTION in r]
    verdict.check(
        "dashboard", "misses the overdue action or its tag", any("Overdue" in r for r in overdue)
    )


def _meeting_pages(client: FlaskClient, ns: SimpleNamespace, verdict: Verdict) -> None:
    listed = words(get(client, "/meetings"))
    verdict.check("meetings list", "shows a past meeting as planned", "Planned" not in listed)
    for stage in ("Held", "Minutes approved", "Pack issued"):
        verdict.check("meetings list", f"misses the stage {stage}", stage in listed)
    page = words(get(client, f"/meetings/{ns.untouched.id}"))
    verdict.check("page of the past meeting", "does not say held", "Status Held" in page)
    page = words(get(client, f"/meetings/{ns.planned.id}"))
    verdict.check("page of the planned meeting", "does not say pack issued", "Pack issued" in page)
    verdict.embargoes_in_words("agenda on the meeting page", page)
    verdict.concerns("agenda on the meeting page", page)


def _pack(client: FlaskClient, ns: SimpleNamespace, verdict: Verdict) -> None:
    for reader, url in (
        ("pack preview", f"/meetings/{ns.planned.id}/pack"),
        ("issued pack HTML", f"/meetings/{ns.planned.id}/packs/1"),
    ):
        html = get(client, url)
        verdict.embargoes_in_words(reader, words(html))
        verdict.reasons(reader, words(html))
        verdict.concerns(reader, words(html))
        verdict.action_rows(reader, html)
        verdict.check(reader, "misses the overdue open action", OVERDUE_ACTION in words(html))
    text = get_pdf_text(client, f"/meetings/{ns.planned.id}/packs/1.pdf")
    verdict.embargoes_in_words("issued pack PDF", text)
    verdict.reasons("issued pack PDF", text)
    verdict.concerns("issued pack PDF", text)
    verdict.action_text("issued pack PDF", text)


def _minutes(client: FlaskClient, ns: SimpleNamespace, verdict: Verdict) -> None:
    """The earlier meeting's minutes: as of its day the lifted and ended embargoes and the
    closed concern were over, and the action is done now."""
    html = get(client, f"/meetings/{ns.earlier.id}/minutes")
    verdict.embargoes_in_words("minutes page", words(html))
    verdict.concerns("minutes page", words(html))
    verdict.action_rows("minutes page", html)
    text = get_pdf_text(client, f"/meetings/{ns.earlier.id}/minutes.pdf")
    verdict.embargoes_in_words("minutes PDF", text)
    verdict.concerns("minutes PDF", text)
    verdict.action_text("minutes PDF", text)


def _embargo_pages(client: FlaskClient, ns: SimpleNamespace, verdict: Verdict) -> None:
    for embargo, status in ((ns.lifted_embargo, "Lifted"), (ns.ended_embargo, "Ended")):
        page = words(get(client, f"/embargoes/{embargo.id}"))
        reader = f"embargo page ({status.lower()})"
        verdict.check(reader, "says in force", "In force" not in page)
        verdict.check(reader, f"does not say {status}", f"Status {status}" in page)
        notice = words(get(client, f"/embargoes/{embargo.id}/notice"))
        verdict.check(f"notice ({status.lower()})", "says in force", "in force" not in notice)
        printed = get_pdf_text(client, f"/embargoes/{embargo.id}/notice.pdf")
        verdict.check(f"notice PDF ({status.lower()})", "says in force", "in force" not in printed)
    notice = words(get(client, f"/embargoes/{ns.in_force_embargo.id}/notice"))
    verdict.check("notice (in force)", "misses that it is in force", "in force from" in notice)


def _concern_page(client: FlaskClient, ns: SimpleNamespace, verdict: Verdict) -> None:
    page = words(get(client, f"/concerns/{ns.closed_concern.id}"))
    verdict.check("page of the closed concern", "does not say closed", "Closed on" in page)
    verdict.check(
        "page of the closed concern", "offers a next stage", "Record the next stage" not in page
    )


def _api(client: FlaskClient, ns: SimpleNamespace, token: str, verdict: Verdict) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    def answer(url: str) -> Any:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        return response.get_json()

    for provider in (ns.lifted, ns.ended):
        given = answer(f"/api/v1/providers/{provider.id}")["embargo"]
        verdict.check(f"API provider {provider.name}", "gives an embargo", given is None)
    given = answer(f"/api/v1/providers/{ns.in_force.id}")["embargo"] or {}
    verdict.check("API Force Manor", "misses the embargo", given.get("reason") == IN_FORCE_REASON)
    stage = answer(f"/api/v1/providers/{ns.closed.id}")["concern_stage"]
    verdict.check("API Closed Court", f"gives concern stage {stage!r}", stage is None)
    stage = answer(f"/api/v1/providers/{ns.open.id}")["concern_stage"]
    verdict.check("API Open Grange", f"gives concern stage {stage!r}", stage == "initial-meeting")
    expected = {
        ns.untouched.id: "held",
        ns.earlier.id: "minutes approved",
        ns.planned.id: "pack issued",
    }
    for meeting_id, status in expected.items():
        given = answer(f"/api/v1/meetings/{meeting_id}")["status"]
        verdict.check(
            f"API meeting {meeting_id}", f"status {given!r}, not {status!r}", given == status
        )
    listed = {m["id"]: m["status"] for m in answer("/api/v1/meetings")["items"]}
    verdict.check("API meetings list", f"statuses {listed}", listed == expected)
    for held in (ns.planned, ns.earlier):
        agenda = answer(f"/api/v1/meetings/{held.id}")["agenda"]
        reasons = {e["provider_id"]: e["reason"] for e in agenda}
        reader = f"API agenda of the meeting of {held.held_on}"
        for provider in (ns.lifted, ns.ended):
            verdict.check(
                reader, f"{provider.name} on for an embargo", "Embargo" not in reasons[provider.id]
            )
        verdict.check(reader, "misses the embargo in force", "Embargo" in reasons[ns.in_force.id])
        verdict.check(
            reader, "Closed Court on for a concern", "concern" not in reasons[ns.closed.id]
        )
        verdict.check(reader, "misses the open concern", "concern" in reasons[ns.open.id])


def test_every_reader_tells_the_truth_about_lifted_ended_closed_and_done(app, client):
    ns = build_world()
    verdict = Verdict()
    sign_in(client, ns.chair)
    _provider_pages(client, ns, verdict)
    _dashboard(client, verdict)
    _meeting_pages(client, ns, verdict)
    _pack(client, ns, verdict)
    _minutes(client, ns, verdict)
    _embargo_pages(client, ns, verdict)
    _concern_page(client, ns, verdict)
    token = api_token_for(ns.chair)
    client.delete_cookie("session")
    _api(client, ns, token, verdict)
    assert not verdict.lies, "\n".join(verdict.lies)


# --- each Python rule agrees with its SQL expression --------------------------------------

GRID = [TODAY + timedelta(days=d) for d in range(-30, 31, 3)]
DAYS = (None, ago(20), ago(3), TODAY, TODAY + timedelta(days=4))
STARTS = (ago(25), TODAY, TODAY + timedelta(days=5))


def _grid_world() -> None:
    """Embargoes, concerns, actions and meetings in every combination of their dates."""
    chair = factories.user(Role.CHAIR, factories.agency("MERTON"))
    for starts in STARTS:
        for ends in DAYS:
            for lifted in DAYS:
                if (ends or starts) < starts or (lifted or starts) < starts:
                    continue
                made = factories.embargo(factories.provider(), chair, starts, ends)
                made.lifted_on = lifted
        for closed_on in DAYS:
            stages = [ConcernStage.INITIATE, ConcernStage.INITIAL_MEETING]
            concern = _concern(factories.provider(), chair, starts, stages)
            if closed_on is not None:
                concern.status, concern.closed_on = ConcernStatus.CLOSED, closed_on
    earlier = meeting(("MERTON",), held_on=ago(40))
    for status in ActionStatus:
        for due in DAYS:
            action = Action(
                meeting_id=earlier.id,
                description="Check",
                owner_agency_id=chair.agency_id,
                due_on=due,
                status=status,
                created_by_id=chair.id,
            )
            db.session.add(action)
    for held_on in (ago(10), TODAY, TODAY + timedelta(days=10)):
        for meeting_status in MeetingStatus:
            for approved in (False, True):
                made = meeting(("MERTON",), held_on=held_on)
                made.status = meeting_status
                made.minutes_approved_at = at_nine(held_on) if approved else None
    db.session.commit()


def ids(model: Any, clause: sa.ColumnElement[bool]) -> set[int]:
    return set(db.session.scalars(sa.select(model.id).where(clause)))


def test_each_python_rule_agrees_with_its_sql_expression_on_every_day(app):
    _grid_world()
    all_embargoes = db.session.scalars(sa.select(Embargo)).all()
    concerns = db.session.scalars(sa.select(ProviderConcern)).all()
    actions = db.session.scalars(sa.select(Action)).all()
    meetings = db.session.scalars(sa.select(Meeting)).all()
    stage_labels = labels("concern_stages")
    assert ids(Action, Action.open_clause()) == {a.id for a in actions if a.is_open}
    for day in GRID:
        assert ids(Embargo, Embargo.in_force_on(day)) == {
            e.id for e in all_embargoes if e.is_active(day)
        }, day
        assert ids(Embargo, Embargo.not_over_on(day)) == {
            e.id for e in all_embargoes if not e.is_over(day)
        }, day
        assert ids(ProviderConcern, ProviderConcern.open_on(day)) == {
            c.id for c in concerns if c.is_open_on(day)
        }, day
        expected = {}
        for concern in concerns:
            stage = concern.stage_on(day)
            if concern.is_open_on(day) and stage is not None:
                expected[concern.provider_id] = (stage_labels[str(stage.stage)], stage.occurred_on)
        assert concern_stages(None, day) == expected, day
        assert ids(Action, Action.overdue_on(day)) == {
            a.id for a in actions if a.is_overdue(day)
        }, day
        assert ids(Meeting, Meeting.held_by(day)) == {m.id for m in meetings if m.is_held(day)}
        assert ids(Meeting, Meeting.minutes_due_by(day)) == {
            m.id for m in meetings if m.minutes_due(day)
        }, day
        stages = dict(db.session.execute(sa.select(Meeting.id, Meeting.stage_by(day))).all())
        assert stages == {m.id: m.stage_on(day).value for m in meetings}, day
    assert ids(Meeting, Meeting.minutes_approved_at.is_not(None)) == {
        m.id for m in meetings if m.minutes_approved
    }
    # The grid holds every case: in force, lifted, ended and to come; open and closed; etc.
    assert {e.is_active(TODAY) for e in all_embargoes} == {True, False}
    assert {c.is_open_on(TODAY) for c in concerns} == {True, False}
    assert {a.is_overdue(TODAY) for a in actions} == {True, False}
    assert {m.stage_on(TODAY) for m in meetings} == set(MeetingStatus)
