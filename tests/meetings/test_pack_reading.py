"""A pack people can read: heatmaps of at most 25 providers a page with their full names and
text of 8 pt at least, each item's first 60 words with its address (the full texts only in an
appendix the chair asks for), providers for noting in one table, agencies by name (in the
minutes too), and a first page of what changed since the last meeting."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from flask import current_app
from pypdf import PdfReader

from portal import clock
from portal.extensions import db
from portal.meetings import minutes, pack_content, pack_rendering, packs, proposals
from portal.meetings.proposals import NotingEntry
from portal.models import (
    Action,
    ConcernStatus,
    Marking,
    Meeting,
    ProviderRating,
    Rating,
    RatingDomain,
    Role,
)
from portal.risk import ProviderRisk
from portal.risk_bands import Band
from tests import factories
from tests.meetings.helpers import (
    HELD_ON,
    add_to_agenda,
    forget_user,
    meeting,
    pdf_text,
    sign_in,
)

LONG_NAME = "Harewood House Supported Living {n:02d}"  # two lines in either heatmap
NAMED_AGENCIES = {
    "NWLICB": "NHS North West London Integrated Care Board",
    "HWMERTON": "Healthwatch Merton",
}


@contextmanager
def a_request() -> Iterator[None]:
    """A request with nobody signed in, as the pack is laid out when a job issues it."""
    with current_app.test_request_context("/"):
        forget_user()
        yield


def _words(count: int) -> str:
    return " ".join(f"word{n:03d}" for n in range(1, count + 1))


def _font_sizes(page) -> list[tuple[str, float]]:
    """Each piece of text on a PDF page with its size as printed (font size x transforms)."""
    found: list[tuple[str, float]] = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            a = tm[0] * cm[0] + tm[1] * cm[2]
            b = tm[0] * cm[1] + tm[1] * cm[3]
            c = tm[2] * cm[0] + tm[3] * cm[2]
            d = tm[2] * cm[1] + tm[3] * cm[3]
            found.append((text.strip(), size * abs(a * d - b * c) ** 0.5))

    page.extract_text(visitor_text=visit)
    return found


def test_heatmaps_show_at_most_25_providers_a_page_with_full_names_in_text_of_8_pt(app):
    planned = meeting(("MERTON", "MPS"))
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    for n in range(30):
        provider = factories.provider(name=LONG_NAME.format(n=n))
        add_to_agenda(planned, provider.id)
        factories.item(officer, Marking.GREEN, provider, observed_on=clock.today())
    db.session.commit()

    content = pack_content.build_pack(planned, clock.today(), version=1)
    by_month = [f for f in content.figures if f.key.startswith("pack-months")]
    by_question = [f for f in content.figures if f.key.startswith("pack-key-questions")]
    for parts in (by_month, by_question):
        assert [len(f.rows) for f in parts] == [25, 5]
        assert [f.title[-8:] for f in parts] == ["(1 of 2)", "(2 of 2)"]
        for part in parts:
            for row in part.drawing.rows:
                assert " ".join(t.text for t in row.lines) == row.full
                assert "…" not in row.full and len(row.lines) > 1
    with a_request():
        html = pack_rendering.render_pack(content, for_pdf=True)
        pdf, _pages = pack_rendering.render_pdf(content)
    assert "…" not in html and LONG_NAME.format(n=29) in html
    heatmap_pages = [
        page
        for page in PdfReader(io.BytesIO(pdf)).pages
        if "Highest risk score by" in page.extract_text() and "of 2)" in page.extract_text()
    ]
    assert len(heatmap_pages) >= 4  # two parts each of the months and key question heatmaps
    # The drawings are scaled to the page's width: their text is printed at 8 pt or more.
    sizes = [found for page in heatmap_pages for found in _font_sizes(page)]
    assert min(size for _text, size in sizes) >= 7.95, sorted(sizes, key=lambda ts: ts[1])[:5]
    names = [size for text, size in sizes if text.startswith("Harewood House")]
    assert len(names) == 2 * 30 and max(names) < 12  # the scaled drawing's own text measured


def test_each_item_shows_its_first_60_words_and_its_address_the_full_text_only_on_request(
    app, client
):
    planned = meeting(("MERTON", "MPS"))
    cedar = factories.provider(name="Cedar Lodge Care Home")
    add_to_agenda(planned, cedar.id)
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    long = factories.item(officer, Marking.GREEN, cedar, title="Long report", body=_words(100))
    short = factories.item(officer, Marking.GREEN, cedar, title="Short note", body="Brief words.")
    db.session.commit()

    sign_in(client, planned.chair)
    preview = client.get(f"/meetings/{planned.id}/pack").get_data(as_text=True)
    assert "word060 …" in preview and "word061" not in preview
    assert "Read in full in the portal" in preview
    assert re.search(rf'href="http://[^"]+/intelligence/{long.id}"', preview)
    assert f"Item {short.id} in the portal" in preview and "Brief words." in preview
    assert "graded 1/A/P" in preview and "score 9 (high)" in preview
    assert "Appendix" not in preview

    with a_request():
        with_appendix = pack_rendering.render_pack(
            pack_content.build_pack(planned, clock.today(), appendix=True), for_pdf=False
        )
        plain = packs.issue_pack(planned.chair, planned, clock.today())
        asked = packs.issue_pack(planned.chair, planned, clock.today(), appendix=True)
    assert "Appendix: the full texts of the new intelligence" in with_appendix
    assert _words(100) in with_appendix

    db.session.commit()
    assert (plain.appendix, asked.appendix) == (False, True)
    assert "word061" not in pdf_text(packs.pack_pdf(planned.chair, planned, plain))
    asked_text = pdf_text(packs.pack_pdf(planned.chair, planned, asked))
    assert "word100" in asked_text and "Appendix" in asked_text


def test_noting_change_says_how_the_band_moved_since_the_last_meeting():
    def entry(now: int | None, before: Band | None) -> NotingEntry:
        return NotingEntry(1, "Cedar", ProviderRisk(now, 1) if now else None, 1, before)

    assert entry(16, None).change == "New"
    assert entry(16, Band.HIGH).change == "Up from High"
    assert entry(5, Band.HIGH).change == "Down from High"
    assert entry(9, Band.HIGH).change == "No change"
    assert entry(None, Band.LOW).change == "Down from Low"


def test_providers_for_noting_are_one_table_row_each(app, monkeypatch):
    planned = meeting(("MERTON",))
    cedar = factories.provider(name="Cedar Lodge Care Home")
    add_to_agenda(planned, cedar.id)
    db.session.commit()
    noted = [
        NotingEntry(901, "Oak House", ProviderRisk(16, 3), 3, Band.HIGH),
        NotingEntry(902, "Elm Court", ProviderRisk(6, 1), 1, None),
    ]

    def agenda_with_noting(meeting: Meeting, as_of: date) -> proposals.Agenda:
        plan = proposals.agenda(meeting, as_of)
        plan.noting = noted
        return plan

    monkeypatch.setattr(pack_content, "agenda", agenda_with_noting)
    content = pack_content.build_pack(planned, clock.today(), version=1)
    with a_request():
        html = pack_rendering.render_pack(content, for_pdf=False)
        text = pdf_text(pack_rendering.render_pdf(content)[0])
    table = html[
        html.index('class="print-noting"') : html.index("</table>", html.index("print-noting"))
    ]
    assert "Providers for noting (2)" in table
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</td></tr>", table)
    assert rows == [
        "Oak House</th><td>16 (extreme)</td><td>3</td><td>Up from High",
        "Elm Court</th><td>6 (moderate)</td><td>1</td><td>New",
    ]
    assert "Oak House" in text and "Up from High" in text
    assert "Cedar Lodge Care Home" not in table  # for discussion, not for noting


def test_a_long_list_for_noting_goes_in_two_columns_and_also_qualified_is_cut_short(
    app, monkeypatch
):
    """A national-scale month: hundreds for noting (two columns on paper, every one listed) and
    hundreds also qualified (the first 20 in the pack; the rest on the meeting's page)."""
    planned = meeting(("MERTON",))
    cedar = factories.provider(name="Cedar Lodge Care Home")
    add_to_agenda(planned, cedar.id)
    db.session.commit()
    noted = [NotingEntry(1000 + n, f"Noted Home {n:03d}", None, 1, None) for n in range(60)]
    also = [proposals.AgendaEntry(2000 + n, f"Qualified Home {n:03d}") for n in range(45)]

    def crowded(meeting: Meeting, as_of: date) -> proposals.Agenda:
        plan = proposals.agenda(meeting, as_of)
        plan.noting, plan.also_qualified = noted, also
        return plan

    monkeypatch.setattr(pack_content, "agenda", crowded)
    content = pack_content.build_pack(planned, clock.today(), version=1)
    with a_request():
        html = pack_rendering.render_pack(content, for_pdf=True)
        text = " ".join(pdf_text(pack_rendering.render_pdf(content)[0]).split())
    assert 'class="print-noting-columns"' in html
    assert all(f"Noted Home {n:03d}" in text for n in range(60))
    shown = [n for n in range(45) if f"Qualified Home {n:03d}" in text]
    assert shown == list(range(20))
    assert "and 25 more, listed on the meeting's page in the portal" in text


def _agencies() -> dict[str, object]:
    return {code: factories.agency(code, name=name) for code, name in NAMED_AGENCIES.items()}


def test_agencies_are_named_never_given_by_their_codes_in_the_pack_and_the_minutes(app, client):
    agencies = _agencies()
    earlier = meeting(("MERTON",), held_on=HELD_ON - timedelta(days=30))
    planned = meeting(("MERTON", "NWLICB", "HWMERTON"))
    cedar = factories.provider(name="Cedar Lodge Care Home")
    add_to_agenda(planned, cedar.id)
    icb_officer = factories.user(Role.MEMBER, agencies["NWLICB"])
    factories.item(icb_officer, Marking.GREEN, cedar, title="Missed medication")
    for held in (earlier, planned):
        db.session.add(
            Action(
                meeting_id=held.id,
                provider_id=cedar.id,
                description=f"Visit after {held.title}",
                owner_agency_id=agencies["HWMERTON"].id,
                created_by_id=held.chair_id,
            )
        )
    db.session.commit()

    with a_request():
        issued = packs.issue_pack(planned.chair, planned, clock.today())
        minutes_pdf = pdf_text(minutes.minutes_pdf(minutes.minutes(planned, clock.today()))[0])
    db.session.commit()
    text = pdf_text(packs.pack_pdf(planned.chair, planned, issued))
    sign_in(client, planned.chair)
    minutes_page = client.get(f"/meetings/{planned.id}/minutes").get_data(as_text=True)
    for where, shown in (
        ("pack HTML", issued.html),
        ("pack PDF", text),
        ("minutes page", minutes_page),
        ("minutes PDF", minutes_pdf),
    ):
        for code in NAMED_AGENCIES:
            assert code not in shown, f"{code} in the {where}"
        assert "Healthwatch Merton" in shown, where
    assert "NHS North West London Integrated Care Board" in text  # summary and item source


def test_the_pack_opens_with_one_page_of_what_changed_since_the_last_meeting(app):
    earlier = meeting(("MERTON",), held_on=HELD_ON - timedelta(days=30))
    planned = meeting(("MERTON",))
    since, today = earlier.held_on, clock.today()
    chair = planned.chair
    officer = factories.user(Role.MEMBER, factories.agency("MPS", name="Metropolitan Police"))
    risen = factories.provider(name="Risen House")
    factories.item(officer, Marking.GREEN, risen, likelihood=4, impact=4, observed_on=today)
    lifted = factories.provider(name="Lifted House")
    embargo = factories.embargo(lifted, chair, starts_on=since - timedelta(days=20))
    embargo.lifted_on = today - timedelta(days=2)
    embargo.lift_reason = "Improved"
    factories.embargo(factories.provider(name="Stopped House"), chair, starts_on=today)
    factories.concern(factories.provider(name="Concern House"), chair, first_on=today)
    closed = factories.concern(factories.provider(name="Closed House"), chair, first_on=since)
    closed.opened_at = datetime.combine(since - timedelta(days=5), datetime.min.time())
    closed.status = ConcernStatus.CLOSED
    closed.closed_on = today - timedelta(days=1)
    db.session.add(
        ProviderRating(
            provider=factories.provider(name="Rated House"),
            domain=RatingDomain.OVERALL,
            rating=Rating.REQUIRES_IMPROVEMENT,
            published_on=today - timedelta(days=3),
        )
    )
    db.session.add(
        Action(
            meeting_id=earlier.id,
            description="Overdue visit",
            owner_agency_id=factories.agency("MERTON").id,
            due_on=today - timedelta(days=1),
            created_by_id=chair.id,
        )
    )
    db.session.commit()

    content = pack_content.build_pack(planned, today, version=1)
    changed = content.since_last_meeting
    assert changed is not None
    assert (changed.new_items, changed.new_items_by_agency) == (1, [("Metropolitan Police", 1)])
    assert changed.risen.names == ["Risen House (no score to extreme)"]
    assert changed.embargoes_ended.names == ["Lifted House"]
    assert changed.embargoes_started.names == ["Stopped House"]
    assert changed.concerns_opened.names == ["Concern House"]
    assert changed.concerns_closed.names == ["Closed House"]
    assert changed.poor_ratings.names[0].startswith("Rated House (Requires improvement, ")
    assert (changed.actions_closed, changed.actions_overdue) == (0, 1)

    with a_request():
        pdf = pack_rendering.render_pdf(content)[0]
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    first = next(
        n for n, page in enumerate(pages) if "What changed since the last meeting\n" in page
    )
    assert first == 1  # straight after the cover
    assert "Lifted House" in pages[first] and "1 open and overdue" in pages[first]
    assert "Summary of new intelligence" in pages[first + 1]
    assert "Summary of new intelligence" not in pages[first]
    assert "This pack" in pages[first]  # the page's last row: nothing ran on to the next
