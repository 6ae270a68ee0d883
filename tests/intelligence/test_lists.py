"""The lists: items I can read, my agency's items, their filters and paging."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import ItemStatus, KeyQuestion, Marking, Role
from tests import factories


def titles(html: str, *candidates: str) -> set[str]:
    return {t for t in candidates if t in html}


def test_items_i_can_read_leaves_out_what_my_role_may_not_read(client, login_as):
    login_as(Role.MEMBER, "MERTON")
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    for marking in Marking:
        factories.item(officer, marking, title=f"Police {marking.value}")
    db.session.commit()
    html = client.get("/intelligence").text
    assert titles(html, *(f"Police {m.value}" for m in Marking)) == {
        "Police CLEAR",
        "Police GREEN",
        "Police AMBER",
    }


def test_my_agencys_items_are_those_of_my_agency_i_may_read(client, login_as):
    me = login_as(Role.MEMBER, "MERTON")
    colleague = factories.user(Role.MEMBER, me.agency)
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    factories.item(colleague, Marking.AMBER_STRICT, title="Ours strict")
    factories.item(colleague, Marking.RED, title="Colleague's red")
    factories.item(officer, Marking.GREEN, title="Police green")
    db.session.commit()
    html = client.get("/intelligence/mine").text
    assert titles(html, "Ours strict", "Colleague's red", "Police green") == {"Ours strict"}


def test_each_filter_narrows_the_list(client, login_as):
    login_as(Role.CHAIR, "MERTON")
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    council = factories.user(Role.MEMBER, factories.agency("MERTON"))
    cedar = factories.provider(name="Cedar Lodge", postcode="SW19 2HL")
    oak = factories.provider(name="Oak House", postcode="CR4 1AA")
    factories.item(
        officer,
        Marking.AMBER,
        provider=cedar,
        title="Alpha",
        key_question=KeyQuestion.SAFE,
        themes=["medication"],
        observed_on=date(2026, 9, 1),
    )
    factories.item(
        council,
        Marking.GREEN,
        provider=oak,
        title="Bravo",
        key_question=KeyQuestion.CARING,
        themes=["dignity"],
        observed_on=date(2026, 10, 1),
    )
    db.session.commit()
    cases = {
        f"provider_id={cedar.id}": {"Alpha"},
        f"provider={cedar.cqc_location_id}": {"Alpha"},
        "provider=oak+house": {"Bravo"},
        "key_question=caring": {"Bravo"},
        "theme=medication": {"Alpha"},
        "marking=AMBER": {"Alpha"},
        "agency=MERTON": {"Bravo"},
        "from_day=15&from_month=9&from_year=2026": {"Bravo"},
        "to_day=15&to_month=9&to_year=2026": {"Alpha"},
        "marking=RED": set(),
    }
    for query, expected in cases.items():
        html = client.get(f"/intelligence?{query}").text
        assert titles(html, "Alpha", "Bravo") == expected, query


def test_a_bad_filter_date_is_explained_and_the_list_still_shows(client, login_as):
    author = login_as(Role.MEMBER)
    factories.item(author, Marking.GREEN, title="Still here")
    db.session.commit()
    html = client.get("/intelligence?from_day=31&from_month=2&from_year=2026").text
    assert "The from date must be a real date" in html
    assert '<a href="#from">' in html
    assert "Still here" in html


def test_withdrawn_items_are_labelled_in_the_list(client, login_as):
    author = login_as(Role.MEMBER)
    factories.item(author, Marking.GREEN, title="Taken back", status=ItemStatus.WITHDRAWN)
    db.session.commit()
    assert 'govuk-tag--grey">Withdrawn' in client.get("/intelligence").text


def test_the_list_pages_and_keeps_its_filters(app, client, login_as):
    app.config["PORTAL"]["page_size"] = 2
    author = login_as(Role.MEMBER)
    for n in range(5):
        factories.item(author, Marking.GREEN, title=f"Item number {n}", key_question="caring")
    db.session.commit()
    first = client.get("/intelligence?key_question=caring").text
    assert "5 items matching the filters" in first
    assert "key_question=caring&amp;page=2" in first or "page=2&amp;key_question=caring" in first
    third = client.get("/intelligence?key_question=caring&page=3").text
    assert third.count("Item number") == 1


def test_a_page_of_the_list_costs_the_same_queries_however_much_data(
    app, client, login_as, count_queries
):
    app.config["PORTAL"]["page_size"] = 5
    reader = login_as(Role.MEMBER)
    provider = factories.provider(name="Cedar Lodge")
    others = [factories.user(Role.MEMBER, factories.agency(code)) for code in ("MPS", "CQC")]

    def add(n: int) -> None:
        for i in range(n):
            author = [reader, *others][i % 3]
            factories.item(author, list(Marking)[i % 5], provider=provider, themes=["falls"])
        db.session.commit()

    def queries(url: str) -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    urls = ["/intelligence", "/intelligence/mine", "/intelligence?provider=cedar&theme=falls"]
    add(3)
    small = [queries(u) for u in urls]
    add(40)
    assert [queries(u) for u in urls] == small, small
