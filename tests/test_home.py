"""The home page lists the newest intelligence the user may read, and nothing else."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import Marking, Role
from tests import factories


@pytest.fixture
def police_items(app):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    home = factories.provider(name="Cedar Lodge Care Home")
    items = {
        marking: factories.item(officer, marking, home, title=f"Police report {marking.value}")
        for marking in Marking
    }
    db.session.commit()
    return items


def test_a_council_member_sees_shared_police_items_but_not_strict_or_red(
    client, login_as, police_items
):
    login_as(Role.MEMBER, "MERTON")
    page = client.get("/").get_data(as_text=True)
    for marking in (Marking.CLEAR, Marking.GREEN, Marking.AMBER):
        assert f"Police report {marking.value}" in page
    assert "Police report AMBER+STRICT" not in page
    assert "Police report RED" not in page
    assert "Cedar Lodge Care Home" in page
    assert "TLP:AMBER" in page


def test_a_police_viewer_sees_their_own_agencys_strict_items(client, login_as, police_items):
    login_as(Role.VIEWER, "MPS")
    page = client.get("/").get_data(as_text=True)
    assert ">Police report AMBER+STRICT<" in page
    assert ">Police report AMBER<" in page
    assert "Police report RED" not in page


def test_an_administrator_sees_only_what_every_user_may_read(client, login_as, police_items):
    login_as(Role.ADMIN, "MERTON")
    page = client.get("/").get_data(as_text=True)
    assert "Police report GREEN" in page
    assert "Police report AMBER" not in page
    assert "Police report RED" not in page


def test_with_nothing_readable_the_page_says_so(client, login_as, app):
    login_as(Role.VIEWER, "HWMERTON")
    page = client.get("/").get_data(as_text=True)
    assert "There is no intelligence you can read yet." in page


def test_the_list_pages_and_a_bad_page_number_is_page_one(client, login_as, app):
    officer = factories.user(Role.MEMBER, factories.agency("MERTON"))
    home = factories.provider()
    for n in range(30):
        factories.item(
            officer, Marking.GREEN, home, title=f"Visit note {n:02d}", observed_on=date(2026, 1, 1)
        )
    db.session.commit()
    login_as(Role.MEMBER)
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Visit note 29" in first and "Visit note 29" not in second
    assert "Visit note 00" in second
    assert client.get("/?page=banana").status_code == 200
    assert client.get("/?page=999").status_code == 200


def test_the_home_page_costs_the_same_queries_whatever_the_data(
    client, login_as, app, count_queries
):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    user = login_as(Role.CHAIR)

    def add(n):
        for i in range(n):
            provider = factories.provider()
            factories.item(officer, list(Marking)[i % 5], provider, recipients=[user])
        db.session.commit()

    add(3)
    with count_queries() as small:
        assert client.get("/").status_code == 200
    add(40)
    with count_queries() as large:
        assert client.get("/").status_code == 200
    assert len(small) == len(large)
    assert len(large) <= 8, large
