"""What a pack holds: only CLEAR, GREEN and AMBER intelligence, whoever issues it; proposals
read the same audience; the preview and the issued PDF come from one template."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.meetings.proposals import agenda
from portal.models import Marking, Role
from portal.templating import govuk_date
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import HELD_ON, add_to_agenda, meeting, pdf_text, sign_in

CANARIES = {
    Marking.CLEAR: "wombatclear",
    Marking.GREEN: "wombatgreen",
    Marking.AMBER: "wombatamber",
    Marking.AMBER_STRICT: "wombatstrict",
    Marking.RED: "wombatred",
}
IN_PACK = {Marking.CLEAR, Marking.GREEN, Marking.AMBER}


@pytest.mark.parametrize("issuer", ["author-chair", "recipient-chair"])
def test_a_pack_shows_clear_green_and_amber_items_and_never_strict_or_red_whoever_issues_it(
    app, client, issuer
):
    planned = meeting(("MERTON", "MPS"))
    cedar = factories.provider(name="Cedar Lodge Care Home")
    add_to_agenda(planned, cedar.id)
    # A chair of the host agency (MERTON) issues it: the author of the items, or not.
    chair = factories.user(Role.CHAIR, factories.agency("MERTON"))
    author = (
        chair if issuer == "author-chair" else factories.user(Role.MEMBER, factories.agency("MPS"))
    )
    for marking, word in CANARIES.items():
        factories.item(
            author,
            marking,
            cedar,
            recipients=[chair] if marking is Marking.RED else [],
            title=f"Night staffing {word}",
            body=f"The rota showed two carers on nights ({word}).",
            observed_on=clock.today() - timedelta(days=3),
        )
    planned.agencies.append(factories.agency("MPS"))
    db.session.commit()
    token = api_token_for(chair)
    headers = {"Authorization": f"Bearer {token}"}

    sign_in(client, chair)
    preview = client.get(f"/meetings/{planned.id}/pack").get_data(as_text=True)
    client.delete_cookie("session")
    issued = client.post(f"/api/v1/meetings/{planned.id}/packs", headers=headers)
    assert issued.status_code == 201, issued.get_json()
    pdf = client.get(issued.get_json()["pdf_url"], headers=headers).data
    text = pdf_text(pdf)
    stored_html = planned.packs[0].html

    for marking, word in CANARIES.items():
        for where, content in (("preview", preview), ("issued HTML", stored_html), ("PDF", text)):
            assert (word in content) is (marking in IN_PACK), f"{marking} in the {where}"
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of" in text
    assert "you may read" not in preview and "in the pack&#39;s audience" in preview
    assert "Contents" in text and "Action log" in text and "Cedar Lodge Care Home" in text


def test_proposals_count_only_the_packs_audience_not_what_the_chair_may_read(app):
    planned = meeting(("MERTON", "MPS"))
    chair = factories.user(Role.CHAIR, factories.agency("MPS"))
    recent = clock.today() - timedelta(days=5)
    secret = factories.provider(name="Secret House")
    shared = factories.provider(name="Shared House")
    quiet = factories.provider(name="Quiet House")
    for marking in (Marking.AMBER_STRICT, Marking.RED):
        factories.item(chair, marking, secret, likelihood=5, impact=5, observed_on=recent)
    factories.item(chair, Marking.AMBER, shared, likelihood=4, impact=4, observed_on=recent)
    factories.item(chair, Marking.GREEN, quiet, likelihood=2, impact=2, observed_on=recent)
    db.session.commit()

    plan = agenda(planned, clock.today())

    assert [e.name for e in plan.entries] == ["Shared House"]
    assert plan.entries[0].reason == "Current risk 16 (extreme) from 1 item"


def test_new_intelligence_counts_from_the_last_meeting_or_says_why_not(client):
    """The group's first meeting has no last meeting: the pack and the meeting page say what
    the day they count from is instead of calling it the last meeting."""
    first = meeting(held_on=HELD_ON)
    db.session.commit()
    plan = agenda(first, clock.today())
    assert (plan.since, plan.since_last_meeting) == (HELD_ON - timedelta(days=35), False)
    sign_in(client, first.chair)
    said = "35 days before this meeting; the group has no earlier one"
    for path in (f"/meetings/{first.id}/pack", f"/meetings/{first.id}"):
        page = client.get(path).get_data(as_text=True)
        assert said in page and "(the last meeting)" not in page, path

    second = meeting(held_on=HELD_ON + timedelta(days=28))
    db.session.commit()
    plan = agenda(second, clock.today())
    assert (plan.since, plan.since_last_meeting) == (HELD_ON, True)
    sign_in(client, second.chair)
    page = client.get(f"/meetings/{second.id}/pack").get_data(as_text=True)
    assert "(the last meeting)" in page and said not in page


def test_the_agenda_gives_each_reason_and_ranks_the_chairs_choices_then_processes_then_risk(app):
    from portal.meetings import services
    from portal.models import (
        ConcernStage,
        Embargo,
        ProviderConcern,
        ProviderConcernStage,
        ProviderRating,
        Rating,
        RatingDomain,
    )

    earlier = meeting(("MERTON",), held_on=HELD_ON - timedelta(days=30))
    planned = meeting(("MERTON",))
    chair = planned.chair
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    recent = clock.today() - timedelta(days=4)
    high = factories.provider(name="High House")
    factories.item(officer, Marking.GREEN, high, likelihood=3, impact=3, observed_on=recent)
    concern = factories.provider(name="Concern House")
    db.session.add(
        ProviderConcern(
            provider=concern,
            summary="Neglect",
            opened_by=chair,
            stages=[
                ProviderConcernStage(
                    stage=ConcernStage.FINDINGS_MEETING,
                    occurred_on=recent,
                    recorded_by_id=chair.id,
                )
            ],
        )
    )
    embargoed = factories.provider(name="Embargo House")
    db.session.add(
        Embargo(provider=embargoed, starts_on=recent, reason="Neglect", created_by_id=chair.id)
    )
    rated = factories.provider(name="Rated House")
    db.session.add(
        ProviderRating(
            provider=rated,
            domain=RatingDomain.OVERALL,
            rating=Rating.INADEQUATE,
            published_on=earlier.held_on + timedelta(days=2),
        )
    )
    added = factories.provider(name="Added House")
    add_to_agenda(planned, added.id, "New manager")
    db.session.commit()

    plan = agenda(planned, clock.today())
    reasons = {e.name: e.reason for e in plan.entries}

    # The chair's addition first, then the group's processes (concern, embargo), then by risk.
    names = [e.name for e in plan.entries]
    assert names == ["Added House", "Concern House", "Embargo House", "High House", "Rated House"]
    since = govuk_date(earlier.held_on)
    assert reasons["High House"] == (
        f"Risk up from none to high since {since}: current risk 9 from 1 item"
    )
    assert reasons["Concern House"].startswith("Open provider concern: Findings meeting (since ")
    assert reasons["Embargo House"].startswith("Embargo on new placements in force since ")
    assert reasons["Rated House"].startswith("CQC rated Inadequate overall, published ")
    assert reasons["Added House"] == "Added by the chair: New manager"

    services.remove_provider(
        chair, planned, embargoed.id, "Discussed at the provider forum", clock.today()
    )
    services.move_provider(chair, planned, rated.id, "up", clock.today())
    plan = agenda(planned, clock.today())
    names = [e.name for e in plan.entries]
    assert "Embargo House" not in names
    assert [e.removed_reason for e in plan.removed] == ["Discussed at the provider forum"]
    assert names == ["Added House", "Concern House", "Rated House", "High House"]


@pytest.mark.parametrize(
    ("marking", "shown"), [(Marking.AMBER, True), (Marking.AMBER_STRICT, False)]
)
def test_a_pack_shows_care_monitoring_in_its_audience_and_nothing_stricter(
    app, client, marking, shown
):
    from datetime import datetime

    from portal.models import CareVisit

    planned = meeting(("MERTON", "MPS"))
    homecare = factories.provider(name="Willow Home Care")
    add_to_agenda(planned, homecare.id)
    council = factories.agency("MERTON")
    when = datetime.combine(HELD_ON - timedelta(days=20), datetime.min.time()).replace(hour=8)
    for n in range(10):
        missed = n < 4
        db.session.add(
            CareVisit(
                supplier="portal",
                visit_ref=f"V{n}",
                provider_id=homecare.id,
                month=f"{when:%Y-%m}",
                planned_start=when,
                planned_minutes=30,
                actual_start=None if missed else when,
                actual_end=None if missed else when + timedelta(minutes=30),
                start_delay_seconds=None if missed else 0,
                actual_seconds=None if missed else 1800,
                source_agency_id=council.id,
                marking=marking,
            )
        )
    chair = factories.user(Role.CHAIR, council)
    db.session.commit()

    sign_in(client, chair)
    preview = client.get(f"/meetings/{planned.id}/pack").get_data(as_text=True)
    assert ("Electronic care monitoring, last 12 months" in preview) is shown
    assert ("4 (40.0%)" in preview) is shown
