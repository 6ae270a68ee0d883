"""CQC and ECM uploads as jobs: the page ends on the report, the job says how far it has got,
and a job run again (its worker killed) counts no row twice."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.ecm import import_jobs as ecm_jobs
from portal.extensions import db
from portal.jobs.queue import run_committed
from portal.jobs.services import JobContext
from portal.models import CareVisit, Job, JobState, Provider, Role
from portal.providers import import_jobs as cqc_jobs
from tests import factories
from tests.ecm.conftest import DATA as ECM_DATA
from tests.providers.test_admin import DATA as CQC_DATA


def _context(job: Job) -> JobContext:
    return JobContext(job, separate=False, lease=timedelta(seconds=60))


def test_a_cqc_import_run_again_counts_no_location_twice(app):
    admin = factories.user(Role.ADMIN, factories.agency("MERTON"))
    content = (CQC_DATA / "directory.csv").read_bytes()
    job = cqc_jobs.start_import(admin, content, "directory.csv")
    first, again = _context(job), _context(job)
    assert cqc_jobs.run_import(job, first)["summary"] == (
        "Created 3, updated 0, unchanged 0, skipped 4"
    )
    # Its worker was killed before the job was marked done: another runs it again.
    assert cqc_jobs.run_import(job, again)["summary"] == (
        "Created 0, updated 0, unchanged 3, skipped 4"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == 3
    assert first.stages == [
        "Reading directory.csv",
        "Importing directory.csv. So far: Created 3, updated 0, unchanged 0, skipped 4",
    ]


def test_an_ecm_import_run_again_counts_no_visit_twice_and_its_page_shows_the_report(
    app, client, login_as
):
    member = login_as(Role.MEMBER, "MERTON")
    factories.provider(cqc_location_id="1-200000001")
    content = (ECM_DATA / "small.csv").read_bytes()
    job = ecm_jobs.start_import(member, content, "small.csv", "portal", "AMBER")
    db.session.commit()
    run_committed()
    db.session.refresh(job)
    assert job.state is JobState.DONE and job.upload is None  # the file is not kept
    assert job.result is not None and job.result["summary"] == "Imported 6, updated 0, skipped 3"
    visits = db.session.scalar(sa.select(sa.func.count()).select_from(CareVisit))
    job.upload = content  # as a killed worker would have left it
    rerun = ecm_jobs.run_import(job, _context(job))
    assert (rerun["created"], rerun["updated"], rerun["unchanged"]) == (0, 0, 6)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CareVisit)) == visits
    page = client.get(f"/care-monitoring/import?job={job.id}").get_data(as_text=True)
    assert "Imported 6, updated 0, skipped 3" in page


def test_an_upload_page_shows_no_report_of_someone_elses_job(app, client, login_as):
    owner = factories.user(Role.MEMBER, factories.agency("MERTON"))
    content = (ECM_DATA / "small.csv").read_bytes()
    job = ecm_jobs.start_import(owner, content, "small.csv", "portal", "AMBER")
    db.session.commit()
    run_committed()
    login_as(Role.MEMBER, "MERTON")
    page = client.get(f"/care-monitoring/import?job={job.id}").get_data(as_text=True)
    assert "small.csv" not in page and "Imported" not in page
