"""`portal ecm import`: a hand-checked visit log, its measures, re-imports and the threshold item."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa

from portal.ecm.importer import import_ecm
from portal.ecm.mappings import mapping_named
from portal.ecm.measures import care_monitoring
from portal.extensions import db
from portal.models import (
    AuditEvent,
    CareMonitoringAlert,
    CareVisit,
    IntelligenceItem,
    Marking,
    Role,
)
from tests import factories
from tests.ecm.conftest import DATA

OCTOBER = date(2026, 11, 15)


def setup_world() -> tuple:
    merton = factories.agency("MERTON")
    member = factories.user(Role.MEMBER, merton)
    provider = factories.provider(name="Willow Homecare", cqc_location_id="1-200000001")
    db.session.commit()
    return merton, member, provider


def months(user, provider) -> dict:
    return {m.month: m.as_json() for m in care_monitoring(user, provider.id, OCTOBER) if m.visits}


def test_the_command_prints_the_counts_and_each_bad_row_by_line(app, portal):
    _, member, provider = setup_world()
    result = portal("ecm", "import", str(DATA / "small.csv"), "--agency", "MERTON")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Imported 6, updated 0, skipped 3"
    assert lines[1].startswith("line 7: “yesterday” is not a date and time")
    assert lines[2] == "line 8: no provider with CQC location ID 1-999999999"
    assert lines[3] == "line 9: the actual start is given without the actual end"


def test_the_measures_of_a_small_hand_checked_file(app, portal):
    _, member, provider = setup_world()
    portal("ecm", "import", str(DATA / "small.csv"), "--agency", "MERTON")
    # October: V1 on time; V2 45 minutes late; V3 40 of 60 minutes (short); V4 missed;
    # V5 exactly 30 minutes late (not late). November: V9 22 of 30 minutes (short).
    assert months(member, provider) == {
        "2026-10": {"month": "2026-10", "visits": 5, "missed": 1, "late": 1, "short": 1},
        "2026-11": {"month": "2026-11", "visits": 1, "missed": 0, "late": 0, "short": 1},
    }


def test_re_importing_the_same_file_never_counts_a_visit_twice(app, portal):
    _, member, provider = setup_world()
    portal("ecm", "import", str(DATA / "small.csv"), "--agency", "MERTON")
    again = portal("ecm", "import", str(DATA / "small.csv"), "--agency", "MERTON")
    assert again.stdout.splitlines()[0] == "Imported 0, updated 0, skipped 3"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CareVisit)) == 6
    # An overlapping file where V4 turned out to be made, late: updated, not added.
    overlap = (
        "visit_id,cqc_location_id,planned_start,planned_minutes,actual_start,actual_end\n"
        "V4,1-200000001,2026-10-01T11:00,30,2026-10-01T11:40,2026-10-01T12:10\n"
        "V10,1-200000001,2026-10-03T11:00,30,2026-10-03T11:00,2026-10-03T11:30\n"
    )
    merton = factories.agency("MERTON")
    report = import_ecm(io.StringIO(overlap), "overlap.csv", mapping_named("portal"), merton)
    assert report.summary() == "Imported 1, updated 1, skipped 0"
    assert months(member, provider)["2026-10"] == {
        "month": "2026-10",
        "visits": 6,
        "missed": 0,
        "late": 2,
        "short": 1,
    }


def test_a_month_over_the_missed_threshold_raises_one_item_once(app, portal):
    _, member, provider = setup_world()
    portal("ecm", "import", str(DATA / "small.csv"), "--agency", "MERTON")
    portal("ecm", "import", str(DATA / "small.csv"), "--agency", "MERTON")
    items = db.session.scalars(sa.select(IntelligenceItem)).all()
    assert len(items) == 1
    (item,) = items
    assert item.provider_id == provider.id
    assert item.theme_codes == ["missed-visits"]
    assert item.marking == Marking.AMBER
    assert item.observed_on == date(2026, 10, 1)
    assert "1 of 5 planned visits missed (20.0%)" in item.body
    assert item.author_id == member.id
    alert = db.session.scalar(sa.select(CareMonitoringAlert))
    assert (alert.month, alert.item_id) == ("2026-10", item.id)


def test_another_supplier_layout_is_read_through_its_mapping(app, portal):
    _, member, provider = setup_world()
    result = portal(
        "ecm",
        "import",
        str(DATA / "rota-export.csv"),
        "--mapping",
        "rota-export",
        "--agency",
        "MERTON",
        "--marking",
        "GREEN",
    )
    assert result.stdout.splitlines() == ["Imported 3, updated 0, skipped 0"]
    assert months(member, provider) == {
        "2026-10": {"month": "2026-10", "visits": 3, "missed": 1, "late": 1, "short": 1}
    }
    audit = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "care-monitoring-imported")
    )
    assert audit.data["mapping"] == "rota-export" and audit.data["marking"] == "GREEN"


def test_bad_options_and_files_fail_with_one_clear_line(app, portal, tmp_path):
    setup_world()
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n")
    cases = [
        (["--agency", "NOPE"], DATA / "small.csv", "no active agency with the code"),
        (["--agency", "MERTON", "--mapping", "x"], DATA / "small.csv", "no mapping called 'x'"),
        (["--agency", "MERTON", "--marking", "RED"], DATA / "small.csv", "cannot be marked RED"),
        (["--agency", "MERTON"], tmp_path / "missing.csv", "There is no file at"),
        (["--agency", "MERTON"], wrong, "needs the columns"),
    ]
    for options, file, message in cases:
        result = portal("ecm", "import", str(file), *options)
        assert result.exit_code == 2, (options, result.output)
        assert message in result.stderr
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CareVisit)) == 0


def test_the_garbage_collector_is_paused_for_the_import_and_as_it_was_afterwards(
    app, portal, monkeypatch
):
    import gc

    from portal.ecm import importer

    setup_world()
    during: list[bool] = []
    write = importer._BatchWriter.write

    def watched(self, batch):  # noqa: ANN001, ANN202
        during.append(gc.isenabled())
        return write(self, batch)

    monkeypatch.setattr(importer._BatchWriter, "write", watched)
    portal("ecm", "import", str(DATA / "small.csv"), "--agency", "MERTON")
    assert during and not any(during)
    assert gc.isenabled()
