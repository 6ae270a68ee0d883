"""The audit trail shows administrators who did what, when, from where and to which object,
never what was searched, found or read; the operator's `portal audit export` has it all (and
is itself audited); every CSV cell that could run as a formula is neutralised."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask, g
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from portal import audit
from portal.cli import main
from portal.exports import FORMULA_STARTS, csv_line, neutralise, write_csv
from portal.extensions import db
from portal.models import AuditEvent, Marking, Role, User
from tests import factories

CANARY = "quoxwhistle"
TITLE = "Zephyrine bruising pattern"
#: Data keys that carry what was searched, found or read: never shown to an administrator.
INTELLIGENCE_KEYS = {"query", "filters", "total", "title", "file", "marking", "not_met"}


def signed_in(app: Flask, user: User) -> FlaskClient:
    """A browser of its own, signed in as the user (tests share one app context: drop what the
    last request cached in `g`)."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return browser


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def searches(app):
    """A Merton chair and a police officer each searched for the canary and found an item."""
    merton, police = factories.agency("MERTON"), factories.agency("MPS")
    chair = factories.user(Role.CHAIR, merton, email="chair@merton.gov.uk")
    officer = factories.user(Role.MEMBER, police, email="officer@met.police.uk")
    admin = factories.user(Role.ADMIN, merton, email="admin@merton.gov.uk")
    factories.item(
        chair, Marking.AMBER_STRICT, title=TITLE, body=f"The {CANARY} was seen by night staff."
    )
    factories.item(officer, Marking.AMBER, title=f"{TITLE} again", body=f"{CANARY} reported.")
    db.session.commit()
    for user in (chair, officer):
        page = signed_in(app, user).get(f"/search?q={CANARY}+{user.agency.code.lower()}")
        assert page.status_code == 200
        assert CANARY in page.get_data(as_text=True).lower()
    recorded = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "search")))
    assert {e.user_id for e in recorded} == {chair.id, officer.id}
    assert all(CANARY in e.data["query"] and "total" in e.data for e in recorded)
    return {"chair": chair, "officer": officer, "admin": admin}


def test_the_audit_page_shows_who_searched_when_but_not_what(app, searches):
    browser = signed_in(app, searches["admin"])
    page = browser.get("/admin/audit?action=search").get_data(as_text=True)
    assert "2 events" in page
    assert "chair@merton.gov.uk" in page and "officer@met.police.uk" in page
    assert "MPS" in page and "(from 127.0.0.1)" in page
    assert CANARY not in page.lower()
    assert "total" not in page.lower()
    assert "zephyrine" not in page.lower()
    whole = browser.get("/admin/audit").get_data(as_text=True).lower()
    assert CANARY not in whole and "total:" not in whole and "zephyrine" not in whole


def test_the_audit_csv_shows_who_searched_when_but_not_what(app, searches):
    response = signed_in(app, searches["admin"]).get("/admin/audit.csv")
    text = response.get_data(as_text=True)
    assert CANARY not in text.lower() and "total" not in text and "zephyrine" not in text.lower()
    found = [r for r in rows_of(text) if r["action"] == "search"]
    assert {r["user_email"] for r in found} == {"chair@merton.gov.uk", "officer@met.police.uk"}
    assert {r["agency"] for r in found} == {"MERTON", "MPS"}
    assert all(r["occurred_at"] and r["ip_address"] == "127.0.0.1" for r in found)
    assert {r["data"] for r in found} == {"{}"}


def test_the_details_shown_are_an_allow_list_of_each_events_declared_keys():
    for action, shown in audit.SHOWN.items():
        assert action in audit.EVENTS, action
        assert shown <= audit.EVENTS[action], action
        assert not shown & INTELLIGENCE_KEYS, action
    assert "search" not in audit.SHOWN and "intelligence-withdrawn" not in audit.SHOWN
    assert audit.shown_data("search", {"query": CANARY, "total": 1}) == {}
    assert audit.shown_data("not-declared", {"id": 1}) == {}
    assert audit.shown_data("pack-built", {"version": 2, "sha256": "ab", "via": "web"}) == {
        "sha256": "ab",
        "version": 2,
        "via": "web",
    }
    assert audit.shown_data("care-monitoring-imported", {"imported": 9, "agency": "MERTON"}) == {
        "agency": "MERTON"
    }


@pytest.fixture
def portal(app):
    """portal(*args) -> the click result of running the command."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))

    return run


def test_the_operators_export_has_every_detail_and_is_audited(portal, searches, tmp_path):
    result = portal("audit", "export")
    assert result.exit_code == 0, result.output
    found = [r for r in rows_of(result.stdout) if r["action"] == "search"]
    assert len(found) == 2
    assert all(CANARY in r["data"] and '"total": ' in r["data"] for r in found)
    exported = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "audit-exported")
    ).one()
    assert exported.user_id is None
    assert exported.data == {"date_from": None, "date_to": None, "rows": 2, "via": "cli"}
    target = tmp_path / "trail.csv"
    again = portal(
        "audit", "export", "--from", "2000-01-01", "--to", "2000-01-02", "--output", str(target)
    )
    assert again.exit_code == 0, again.output
    assert target.read_text(encoding="utf-8").splitlines() == [
        "id,occurred_at,action,user_email,agency,object_type,object_id,ip_address,data"
    ]
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "audit-exported"))
        == 2
    )
    bad = portal("audit", "export", "--from", "yesterday")
    assert bad.exit_code != 0 and "--from" in bad.output


def test_the_administrator_sees_the_operators_export_as_an_event(app, portal, searches):
    portal("audit", "export", "--from", "2026-01-01")
    page = signed_in(app, searches["admin"]).get("/admin/audit?action=audit-exported")
    text = page.get_data(as_text=True)
    assert "1 event" in text and "via: cli" in text and "date_from: 2026-01-01" in text
    assert "rows" not in text


@given(st.lists(st.text(max_size=12) | st.integers() | st.none(), max_size=6))
def test_every_cell_that_could_be_a_formula_is_neutralised(cells):
    line = csv_line(cells)
    (parsed,) = list(csv.reader(io.StringIO(line, newline="")))
    assert len(parsed) == len(cells)
    for cell, written in zip(cells, parsed, strict=True):
        text = "" if cell is None else str(cell)
        assert not written.startswith(FORMULA_STARTS)
        assert written == ("'" + text if text.startswith(FORMULA_STARTS) else text)
        assert written == neutralise(cell)


def test_write_csv_writes_each_row_through_the_one_writer():
    stream = io.StringIO(newline="")
    assert write_csv(stream, [["a", "=b"], ["\tc", 1]]) == 2
    assert stream.getvalue() == "a,'=b\r\n'\tc,1\r\n"


@pytest.mark.parametrize(
    "email", ["=1+2@example.org", "+1-2@example.org", "-3+4@example.org", "@sum@example.org"]
)
def test_a_users_formula_like_email_is_neutralised_in_the_audit_csv(app, email):
    admin = factories.user(Role.ADMIN, factories.agency("MERTON"))
    sly = factories.user(Role.MEMBER, factories.agency("MERTON"), email=email)
    audit.record("sign-in", user=sly, method="password")
    audit.record("user-created", user=admin, object_type="user", object_id=sly.id, email=email)
    audit.record("access-refused", user=sly, route="=cmd|' /C calc'!A0", method="GET", status=403)
    db.session.commit()
    text = signed_in(app, admin).get("/admin/audit.csv").get_data(as_text=True)
    rows = rows_of(text)
    assert "'" + email in {r["user_email"] for r in rows}
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS), row
