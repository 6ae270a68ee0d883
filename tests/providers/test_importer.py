"""Importing CQC's published location files: the three layouts, their quirks, and reruns."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.cli import ScriptInfo

from portal.bulk import PipelinedWriter
from portal.cli import main
from portal.extensions import db
from portal.models import AuditEvent, Provider, ProviderRating, Rating, RatingDomain
from portal.providers.importer import ImportFailed, import_cqc, import_cqc_file

# A file of more than one batch is written on PostgreSQL by a pipeline on a second
# connection, which must see (and leave) committed data.
pytestmark = pytest.mark.committed

DATA = Path(__file__).parent / "data"


def provider(location_id: str) -> Provider:
    return db.session.scalar(sa.select(Provider).where(Provider.cqc_location_id == location_id))


def skipped(report) -> dict[int, str]:
    return {row.line: row.reason for row in report.skipped_rows}


def writes_during(app, action) -> list[str]:
    """The INSERT/UPDATE/DELETE statements run by action()."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):  # noqa: ANN001
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return statements


def test_the_care_directory_with_filters_is_imported_with_its_quirks(app):
    report = import_cqc_file(DATA / "directory.csv")
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.layout == "CQC care directory with filters"
    george = provider("1-1000000001")
    assert george.name == "St. George’s Care Home"
    assert george.name_key == "st georges care home"
    assert george.postcode == "SW19 2HL"
    assert george.postcode_district == "SW19"
    assert (george.latitude, george.longitude) == (51.4183, -0.197)
    assert george.address == "12 Church Road, Wimbledon, London"
    assert george.local_authority == "Merton"
    assert george.region == "London"
    assert george.care_home is True
    assert george.beds == 42
    assert george.cqc_provider_id == "1-101000001"
    assert george.provider_name == "Saint Care Ltd"
    # Hospice services are not in the taxonomy: left out, with no error.
    assert george.service_type_codes == ["care-home-nursing"]
    overall = george.rating_for(RatingDomain.OVERALL)
    assert (overall.rating, overall.published_on) == (Rating.GOOD, date(2024, 3, 14))
    oak = provider("1-1000000002")
    assert oak.postcode == "CR4 3AA"
    assert oak.address == "Flat 2 The Parade, High Street, Mitcham"
    assert oak.rating_for("overall").published_on == date(2023, 11, 2)
    assert oak.service_type_codes == ["domiciliary"]
    assert provider("1-1000000007").ratings == []


def test_every_bad_row_is_reported_with_its_physical_line_and_the_rest_carry_on(app):
    report = import_cqc_file(DATA / "directory.csv")
    # Line 3 holds a quoted line break, so the rows after it start a line later.
    assert skipped(report) == {
        5: "missing Location ID",
        6: "malformed Location ID “ABC-123”",
        7: "bad date “31/02/2024” in Publication Date",
        8: "bad rating value “Excellent” in Location Latest Overall Rating",
    }
    assert provider("1-1000000007").name == "Harrow View"


def test_a_rerun_of_the_same_file_changes_nothing(app, monkeypatch):
    import_cqc_file(DATA / "directory.csv")
    # On PostgreSQL the writes would go down the pipeline, out of the engine's events' sight.
    pipelined: list[object] = []
    monkeypatch.setattr(PipelinedWriter, "send", lambda _self, sent: pipelined.append(sent))
    reports = []
    writes = writes_during(app, lambda: reports.append(import_cqc_file(DATA / "directory.csv")))
    report = reports[0]
    assert (report.created, report.updated, report.unchanged, report.skipped) == (0, 0, 3, 4)
    # The only write is the audit of the import itself.
    assert len(writes) == 1 and "audit_events" in writes[0]
    assert pipelined == []


def test_the_weekly_directory_is_found_under_its_preamble_and_updates_by_location_id(app):
    import_cqc_file(DATA / "directory.csv")
    report = import_cqc_file(DATA / "weekly.csv")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert skipped(report) == {8: "malformed Provider ID “X1”"}
    willow = provider("1-2000000001")
    assert willow.name == "Willow Court"
    assert willow.postcode == "SM4 5AA"
    assert willow.service_type_codes == ["care-home", "care-home-nursing"]
    assert willow.cqc_provider_id == "1-201000001"
    george = provider("1-1000000001")
    assert george.service_type_codes == ["care-home-nursing", "domiciliary"]
    # The weekly file carries no coordinates or ratings: what it lacks is kept.
    assert george.latitude == 51.4183
    assert george.rating_for("overall").rating == Rating.GOOD


def test_the_ratings_file_sets_each_key_question_and_creates_unknown_locations(app):
    import_cqc_file(DATA / "directory.csv")
    report = import_cqc_file(DATA / "ratings.csv")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert skipped(report) == {
        10: "unknown Domain “Leadership”",
        11: "bad date “2025-13-01” in Publication Date",
    }
    george = provider("1-1000000001")
    ratings = {r.domain: (r.rating, r.published_on) for r in george.ratings}
    assert ratings[RatingDomain.OVERALL] == (Rating.INADEQUATE, date(2025, 6, 30))
    assert ratings[RatingDomain.WELL_LED] == (Rating.INADEQUATE, date(2025, 6, 30))
    assert ratings[RatingDomain.EFFECTIVE][0] == Rating.REQUIRES_IMPROVEMENT
    # The ratings file never renames a location it already knows.
    assert george.name == "St. George’s Care Home"
    riverside = provider("1-3000000001")
    assert riverside.name == 'Riverside, "The" House'
    assert riverside.postcode == "SW20 0AB"
    assert {r.domain for r in riverside.ratings} == {RatingDomain.OVERALL, RatingDomain.SAFE}
    rerun = import_cqc_file(DATA / "ratings.csv")
    assert (rerun.created, rerun.updated, rerun.unchanged) == (0, 0, 2)


def test_an_older_rating_never_replaces_a_newer_one(app):
    import_cqc_file(DATA / "ratings.csv")
    import_cqc_file(DATA / "directory.csv")  # overall Good, published 2024, older than 2025
    overall = provider("1-1000000001").rating_for("overall")
    assert (overall.rating, overall.published_on) == (Rating.INADEQUATE, date(2025, 6, 30))


def test_batches_are_committed_and_cleared_as_the_file_streams(app):
    lines = ["Location ID,Location Name,Location Postal Code"]
    lines += [f"1-{5000000000 + n},Home {n},SW19 {n % 9}AA" for n in range(23)]
    stream = io.BytesIO("\r\n".join(lines).encode())
    report = import_cqc(stream, "small.csv", batch_size=5)
    assert report.created == 23
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == 23
    assert len(db.session.identity_map) <= 1  # only the audit event's neighbourhood, if any


def test_the_batch_size_is_the_databases_own(app, monkeypatch):
    """SQLite takes bigger batches than PostgreSQL (fewer commits, each rewriting its pages)."""
    from portal.providers import importer

    monkeypatch.setattr(importer, "BATCH_SIZES", {"sqlite": 4})
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    planned: list[int] = []
    plan = importer._plan
    monkeypatch.setattr(
        importer, "_plan", lambda batch, *rest: planned.append(len(batch)) or plan(batch, *rest)
    )
    lines = ["Location ID,Location Name"] + [f"1-{5100000000 + n},Home {n}" for n in range(8)]
    assert import_cqc(io.StringIO("\n".join(lines)), "sized.csv").created == 8
    sqlite = db.engine.dialect.name == "sqlite"
    assert planned == ([4, 4] if sqlite else [2, 2, 2, 2])


def test_a_text_stream_and_a_windows_1252_line_are_read(app):
    text = "Location ID,Location Name\n1-6000000001,St Ann's\n"
    assert import_cqc(io.StringIO(text), "text.csv").created == 1
    cp1252 = "Location ID,Location Name\r\n1-6000000002,St Mary\u2019s\r\n".encode("cp1252")
    import_cqc(io.BytesIO(cp1252), "excel.csv")
    assert provider("1-6000000002").name == "St Mary’s"


def test_a_directory_with_few_columns_in_its_own_order_and_short_rows_is_read(app):
    """The reader settles which columns the file has once, from its header row: columns in any
    order, any of the optional ones missing, the first of a repeated header, a short row's
    missing cells read as blank."""
    text = (
        "Location Name,Location ID,Location Latest Overall Rating,Publication Date,"
        "Location City,Location Name\n"
        "Ash House,1-2000000001,Good,01/02/2024,Leeds,Not This Name\n"
        "Short Row,1-2000000002\n"
        # A bad date is refused even where there is no rating to go with it.
        "Bad Date,1-2000000003,,31/02/2024,,\n"
    )
    report = import_cqc(io.StringIO(text), "few.csv")
    assert (report.created, skipped(report)) == (
        2,
        {4: "bad date “31/02/2024” in Publication Date"},
    )
    ash = provider("1-2000000001")
    assert (ash.name, ash.address, ash.postcode, ash.beds) == ("Ash House", "Leeds", None, None)
    assert ash.rating_for("overall").published_on == date(2024, 2, 1)
    short = provider("1-2000000002")
    assert (short.name, short.address, short.ratings) == ("Short Row", "", [])


def test_a_file_that_is_not_a_cqc_layout_is_refused_and_nothing_is_audited(app):
    with pytest.raises(ImportFailed, match="not in a CQC layout"):
        import_cqc_file(DATA / "not-cqc.csv")
    with pytest.raises(ImportFailed, match="empty"):
        import_cqc(io.BytesIO(b"\r\n\r\n"), "empty.csv")
    with pytest.raises(ImportFailed, match="There is no file"):
        import_cqc_file(DATA / "missing.csv")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_each_import_is_audited_once_with_its_counts_and_file_name(app):
    import_cqc_file(DATA / "directory.csv")
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [e.action for e in events] == ["providers-imported"]
    assert events[0].data == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 4,
        "file": "directory.csv",
    }


def test_a_row_too_long_for_the_register_is_skipped_not_the_batch(app):
    long_name = "x" * 400
    text = f"Location ID,Location Name\n1-7000000001,{long_name}\n1-7000000002,Fine House\n"
    report = import_cqc(io.StringIO(text), "long.csv")
    assert skipped(report) == {2: "name is too long (400 characters)"}
    assert report.created == 1


def test_a_batch_the_database_refuses_is_retried_row_by_row_and_only_the_bad_row_is_lost(
    app, monkeypatch
):
    """Another import adds a location between this batch's look-up and its insert: the insert
    breaks the register's one-row-per-location rule, on PostgreSQL inside COPY. The batch is
    retried a row at a time, that row is reported and the rest of the batch is saved."""
    import_cqc(io.StringIO("Location ID,Location Name\n1-7100000001,Taken House\n"), "a.csv")
    from portal.providers import importer

    looked_up = importer._lookup

    def missing_the_taken_one(location_ids: set[str]):  # noqa: ANN202
        return {k: v for k, v in looked_up(location_ids).items() if k != "1-7100000001"}

    monkeypatch.setattr(importer, "_lookup", missing_the_taken_one)
    text = (
        "Location ID,Location Name\n"
        "1-7100000002,First New House\n1-7100000001,Taken House Renamed\n"
        "1-7100000003,Second New House\n"
    )
    report = import_cqc(io.StringIO(text), "b.csv")
    refused = "UniqueViolation" if db.engine.dialect.name == "postgresql" else "IntegrityError"
    assert skipped(report) == {3: f"could not be saved ({refused})"}
    assert report.created == 2
    assert provider("1-7100000002").name == "First New House"
    assert provider("1-7100000003").name == "Second New House"
    assert provider("1-7100000001").name == "Taken House"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == 3


def test_a_refused_batch_is_retried_before_the_next_one_is_written(app, monkeypatch):
    """Batches of two: the second is refused (a location added behind its back) while, on
    PostgreSQL, the third has already been planned on the assumption that the second would be
    saved. The second is retried row by row and the third planned again, so the location both
    batches name is created once and then renamed, not renamed under an id never saved."""
    import_cqc(io.StringIO("Location ID,Location Name\n1-7200000009,Taken House\n"), "a.csv")
    from portal.providers import importer

    looked_up = importer._lookup

    def missing_the_taken_one(location_ids: set[str]):  # noqa: ANN202
        return {k: v for k, v in looked_up(location_ids).items() if k != "1-7200000009"}

    monkeypatch.setattr(importer, "_lookup", missing_the_taken_one)
    retried: list[list[int]] = []
    write_batch = importer._write_batch

    def spied(batch, report):  # noqa: ANN001, ANN202
        retried.append([line for line, _ in batch])
        return write_batch(batch, report)

    monkeypatch.setattr(importer, "_write_batch", spied)
    text = (
        "Location ID,Location Name\n"
        "1-7200000001,First House\n1-7200000002,Second House\n"
        "1-7200000009,Taken House Renamed\n1-7200000003,Third House\n"
        "1-7200000004,Fourth House\n1-7200000003,Third House Renamed\n"
    )
    report = import_cqc(io.StringIO(text), "b.csv", batch_size=2)
    refused = "UniqueViolation" if db.engine.dialect.name == "postgresql" else "IntegrityError"
    assert skipped(report) == {4: f"could not be saved ({refused})"}
    assert (report.created, report.updated, report.unchanged) == (4, 1, 0)
    assert provider("1-7200000003").name == "Third House Renamed"
    assert provider("1-7200000009").name == "Taken House"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == 5
    if db.engine.dialect.name == "postgresql":
        # Only the refused batch went through the session: the pipeline carried on after it
        # (its transaction rolled back, not left open to refuse every batch after it).
        assert retried == [[4, 5]]


def test_a_location_in_two_batches_in_a_row_is_created_then_updated(app):
    """The second batch is planned while the first may still be being written: it sees the
    location as the first batch leaves it."""
    text = (
        "Location ID,Location Name,Service type - Domiciliary care service\n"
        "1-7300000001,First House,N\n1-7300000002,Second House,N\n"
        "1-7300000001,First House Renamed,Y\n1-7300000003,Third House,N\n"
    )
    report = import_cqc(io.StringIO(text), "c.csv", batch_size=2)
    assert (report.created, report.updated, report.skipped) == (3, 1, 0)
    first = provider("1-7300000001")
    assert first.name == "First House Renamed"
    assert first.service_type_codes == ["domiciliary"]


def test_the_garbage_collector_is_paused_for_the_import_and_as_it_was_afterwards(app, monkeypatch):
    import gc

    from portal.providers import importer

    during: list[bool] = []
    apply = importer._plan

    def watched(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        during.append(gc.isenabled())
        return apply(*args, **kwargs)

    monkeypatch.setattr(importer, "_plan", watched)
    import_cqc_file(DATA / "directory.csv")
    assert during and not any(during)
    assert gc.isenabled()
    # An import that fails half way leaves it on too; one paused by the caller stays paused.

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(importer, "_plan", broken)
    with pytest.raises(RuntimeError):
        import_cqc(io.StringIO("Location ID,Location Name\n1-7400000002,Home\n"), "y.csv")
    assert gc.isenabled()
    monkeypatch.setattr(importer, "_plan", apply)
    gc.disable()
    try:
        import_cqc(io.StringIO("Location ID,Location Name\n1-7400000001,Home\n"), "x.csv")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_without_a_pipeline_the_import_writes_through_the_session(app, monkeypatch):
    """A libpq older than 14 cannot pipeline: the import writes batch by batch instead."""
    monkeypatch.setattr(PipelinedWriter, "supported", staticmethod(lambda: False))
    monkeypatch.setattr(PipelinedWriter, "open", None)  # never reached
    report = import_cqc_file(DATA / "directory.csv")
    assert (report.created, report.skipped) == (3, 4)
    assert provider("1-1000000001") is not None


def test_a_file_of_one_batch_starts_no_pipeline(app, monkeypatch):
    """Nothing to overlap: no second connection for a small file."""
    monkeypatch.setattr(PipelinedWriter, "open", None)  # would raise if called
    report = import_cqc_file(DATA / "directory.csv")
    assert (report.created, report.skipped) == (3, 4)


def test_an_import_in_the_middle_of_the_sessions_own_write_commits_both(app):
    """The session's uncommitted write (which holds SQLite's one write lock) is committed
    with the import's first batch, not lost or waited on."""
    db.session.add(Provider(name="Pending House", name_key="pending house"))
    db.session.flush()
    report = import_cqc(io.StringIO("Location ID,Location Name\n1-7700000001,Home\n"), "w.csv")
    assert report.created == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == 2


def test_the_two_batches_read_ahead_for_a_pipeline_are_let_go_once_handed_on():
    """Memory stays that of the batches in hand: nothing keeps the first two to the end."""
    import weakref

    from portal.providers import importer

    class Batch(list):  # a list that can be weakly referenced
        pass

    batches = [Batch([n]) for n in range(3)]
    first_two = [weakref.ref(batch) for batch in batches[:2]]
    more, handed = importer._more_than_one(iter(batches))
    del batches
    assert more
    assert [batch[0] for batch in handed] == [0, 1, 2]
    assert [ref() for ref in first_two] == [None, None]
    assert importer._more_than_one(iter([Batch([0])]))[0] is False


@pytest.fixture
def portal(app):
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_the_command_prints_the_counts_and_each_skipped_row(portal):
    result = portal("providers", "import-cqc", str(DATA / "directory.csv"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Created 3, updated 0, unchanged 0, skipped 4"
    assert "line 5: missing Location ID" in lines
    assert "line 8: bad rating value “Excellent” in Location Latest Overall Rating" in lines


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.csv", "There is no file"), ("not-cqc.csv", "not in a CQC layout")],
)
def test_the_command_fails_clearly_for_a_missing_or_unrecognised_file(portal, name, message):
    result = portal("providers", "import-cqc", str(DATA / name))
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProviderRating)) == 0
