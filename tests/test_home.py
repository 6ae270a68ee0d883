"""The home page: the dashboard's new items for members, chairs and viewers, the newest
readable items for administrators; only what the user may read, at a fixed cost."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import IntelligenceItem, Marking, Role
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
    assert "There is no new intelligence you can read." in page
    assert "No provider has open items you may read from the last 3 months." in page


def test_with_nothing_readable_an_administrators_page_says_so(client, login_as, police_items):
    db.session.execute(sa.update(IntelligenceItem).values(marking=Marking.RED))
    db.session.commit()
    login_as(Role.ADMIN)
    page = client.get("/").get_data(as_text=True)
    assert "There is no intelligence you can read yet." in page


def test_the_administrators_list_pages_and_a_bad_page_number_is_page_one(client, login_as, app):
    officer = factories.user(Role.MEMBER, factories.agency("MERTON"))
    home = factories.provider()
    for n in range(30):
        factories.item(
            officer, Marking.GREEN, home, title=f"Visit note {n:02d}", observed_on=date(2026, 1, 1)
        )
    db.session.commit()
    login_as(Role.ADMIN)
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Visit note 29" in first and "Visit note 29" not in second
    assert "Visit note 00" in second
    assert client.get("/?page=banana").status_code == 200
    assert client.get("/?page=999").status_code == 200


# Each limit counts one look-up of the session's row (a signed-out cookie is refused).
@pytest.mark.parametrize(("role", "limit"), [(Role.CHAIR, 17), (Role.ADMIN, 9)])
def test_the_home_page_costs_the_same_queries_whatever_the_data(
    client, login_as, app, count_queries, role, limit
):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    user = login_as(role)

    def add(n):
        for i in range(n):
            provider = factories.provider(local_authority=f"Borough {i % 4}")
            factories.item(officer, list(Marking)[i % 5], provider, recipients=[user])
            factories.item(
                officer, Marking.GREEN, provider, likelihood=1 + i % 5, observed_on=date(2026, 6, 1)
            )
        db.session.commit()

    add(3)
    with count_queries() as small:
        assert client.get("/").status_code == 200
    add(40)
    with count_queries() as large:
        assert client.get("/").status_code == 200
    assert len(small) == len(large)
    assert len(large) <= limit, large
