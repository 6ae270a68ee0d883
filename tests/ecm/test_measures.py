"""ECM measures as the pack and the pages read them: audience, thresholds, table and chart."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask import render_template_string

from portal.ecm.chart import care_monitoring_figure
from portal.ecm.importer import import_ecm
from portal.ecm.mappings import mapping_named
from portal.ecm.measures import care_monitoring, care_monitoring_for_audience
from portal.extensions import db
from portal.models import CareVisit, Marking, Role
from tests import factories
from tests.conftest import csrf_token_from
from tests.ecm.conftest import DATA

TODAY = date(2026, 11, 15)
HEADER = "visit_id,cqc_location_id,planned_start,planned_minutes,actual_start,actual_end\n"


def log(prefix: str, rows: int, missed: int) -> io.StringIO:
    lines = [HEADER]
    for n in range(rows):
        actual = ",," if n < missed else ",2026-10-05T08:20,2026-10-05T08:50"
        lines.append(f"{prefix}{n},1-400000001,2026-10-05T08:00,30{actual}\n")
    return io.StringIO("".join(lines))


def test_the_pack_reads_only_the_markings_its_audience_may_read(app):
    merton = factories.agency("MERTON")
    factories.user(Role.MEMBER, merton)
    provider = factories.provider(cqc_location_id="1-400000001")
    db.session.commit()
    portal = mapping_named("portal")
    import_ecm(log("A", 10, 1), "amber.csv", portal, merton, Marking.AMBER)
    import_ecm(log("S", 10, 10), "strict.csv", portal, merton, Marking.AMBER_STRICT)
    pack = care_monitoring_for_audience([provider.id], TODAY)[provider.id]
    october = next(m for m in pack if m.month == "2026-10")
    assert (october.visits, october.missed, october.late) == (10, 1, 0)
    assert len(pack) == 12 and pack[-1].month == "2026-11"
    chair = factories.user(Role.CHAIR, factories.agency("HARROW"))
    mine = next(m for m in care_monitoring(chair, provider.id, TODAY) if m.month == "2026-10")
    assert (mine.visits, mine.missed) == (20, 11)


def test_late_and_short_follow_the_configured_thresholds(app):
    merton = factories.agency("MERTON")
    member = factories.user(Role.MEMBER, merton)
    provider = factories.provider(cqc_location_id="1-400000001")
    db.session.commit()
    import_ecm(log("A", 4, 0), "a.csv", mapping_named("portal"), merton)  # 20 minutes late
    october = {m.month: m for m in care_monitoring(member, provider.id, TODAY)}["2026-10"]
    assert (october.late, october.short) == (0, 0)
    app.config["PORTAL"] |= {"ecm_late_minutes": 15, "ecm_short_percent": 101}
    october = {m.month: m for m in care_monitoring(member, provider.id, TODAY)}["2026-10"]
    assert (october.late, october.short) == (4, 4)


def test_the_table_and_chart_macro_gives_every_month_in_words_and_figures(app):
    merton = factories.agency("MERTON")
    member = factories.user(Role.MEMBER, merton)
    provider = factories.provider(cqc_location_id="1-400000001")
    db.session.commit()
    import_ecm(log("A", 10, 3), "a.csv", mapping_named("portal"), merton)
    figure = care_monitoring_figure(care_monitoring(member, provider.id, TODAY), 5)
    with app.test_request_context():
        html = render_template_string(
            '{% from "components/care_monitoring.html" import care_monitoring_figure %}'
            "{{ care_monitoring_figure(figure, heading_level=2) }}",
            figure=figure,
        )
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html
    assert "October 2026" in html and "3 (30.0%)" in html and "Over 5%" in html
    assert "<svg" in html and ">30.0%</text>" in html and "5% threshold" in html
    assert "3 of 10 visits missed (30.0%)" in html  # each bar's title
    assert "style=" not in html and "<script" not in html


def test_a_council_member_uploads_a_log_and_sees_the_report(client, login_as):
    login_as(Role.MEMBER, "MERTON")
    factories.provider(cqc_location_id="1-200000001")
    db.session.commit()
    page = client.get("/care-monitoring/import").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "mapping": "portal",
        "marking": "AMBER+STRICT",
        "file": (io.BytesIO((DATA / "small.csv").read_bytes()), "small.csv"),
    }
    response = client.post("/care-monitoring/import", data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Imported 6, updated 0, skipped 3" in text
    assert "no provider with CQC location ID 1-999999999" in text


def test_a_file_in_the_wrong_layout_is_refused_with_a_message_and_nothing_saved(client, login_as):
    login_as(Role.MEMBER, "MERTON")
    page = client.get("/care-monitoring/import").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "mapping": "rota-export",
        "marking": "AMBER",
        "file": (io.BytesIO((DATA / "small.csv").read_bytes()), "small.csv"),
    }
    text = client.post("/care-monitoring/import", data=data, follow_redirects=True).get_data(
        as_text=True
    )
    assert "There is a problem" in text and "needs the columns" in text


def test_a_member_of_the_nhs_cannot_import_council_monitoring_data(client, login_as):
    login_as(Role.MEMBER, "SWLICB")
    assert client.get("/care-monitoring/import").status_code == 403


def test_a_nul_in_a_visit_log_refuses_its_row_alike_on_every_database(client, login_as):
    """SQLite would store a NUL and PostgreSQL could not: the row is refused first, by line."""
    login_as(Role.MEMBER, "MERTON")
    factories.provider(cqc_location_id="1-200000001")
    db.session.commit()
    good = "1-200000001,2026-10-01T08:00,30,2026-10-01T08:05,2026-10-01T08:35\n"
    log = (
        HEADER
        + "V1,"
        + good
        + "V\x002,"
        + good
        + "V3,1-2000\x0000001,2026-10-01T08:00,30,,\n"
        + "V4,1-200000001,2026-10-01T08:00\x00,30,,\n"
    )
    page = client.get("/care-monitoring/import").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "mapping": "portal",
        "marking": "AMBER",
        "file": (io.BytesIO(log.encode()), "nul.csv"),
    }
    response = client.post("/care-monitoring/import", data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Imported 1, updated 0, skipped 3" in text
    assert "the visit ID contains a character that cannot be used (a NUL byte)" in text
    assert "the CQC location ID contains a character that cannot be used" in text
    assert "the planned start contains a character that cannot be used" in text
    assert "\x00" not in text
    refs = db.session.scalars(sa.select(CareVisit.visit_ref)).all()
    assert refs == ["V1"]


def test_a_nul_in_the_uploaded_file_name_is_no_500(client, login_as):
    login_as(Role.MEMBER, "MERTON")
    page = client.get("/care-monitoring/import").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "mapping": "portal",
        "marking": "AMBER",
        "file": (io.BytesIO(HEADER.encode()), "n\x00ul.csv"),
    }
    response = client.post("/care-monitoring/import", data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "\x00" not in text and "nul.csv" in text


def test_an_import_that_imported_nothing_ends_on_a_warning_not_a_green_panel(client, login_as):
    """Every row refused (no such provider): the page says nothing was imported and why."""
    login_as(Role.MEMBER, "MERTON")
    page = client.get("/care-monitoring/import").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "mapping": "portal",
        "marking": "AMBER",
        "file": (io.BytesIO((DATA / "small.csv").read_bytes()), "small.csv"),
    }
    text = client.post("/care-monitoring/import", data=data, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Import complete" not in text and "govuk-panel--confirmation" not in text
    assert "Nothing was imported" in text and "govuk-warning-text" in text
    assert "Imported 0, updated 0, skipped 9" in text
    assert "Every row was skipped" in text
