"""Issuing a pack as a job: the chair follows it on its page, the API keeps its answer, and
a version is issued once however often its job runs (the tests' queue runs jobs in-process)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.jobs import services as jobs
from portal.jobs.queue import run_committed
from portal.meetings import meeting_jobs
from portal.models import Job, JobState, MeetingPack, MeetingStatus, Role, utcnow
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import csrf, forget_user, sign_in, world


def _packs(meeting_id: int) -> list[tuple[int, str | None]]:
    return [
        (p.version, p.job_id)
        for p in db.session.scalars(
            sa.select(MeetingPack).where(MeetingPack.meeting_id == meeting_id)
        )
    ]


def test_the_chair_lands_on_the_jobs_page_which_leads_on_to_the_issued_version(app, client):
    w = world()
    sign_in(client, w.meeting.chair)
    answer = client.post(f"/meetings/{w.meeting.id}/packs", data={"csrf_token": csrf(client)})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/jobs/")
    done = client.get(answer.headers["Location"])
    assert done.headers["Location"] == f"/meetings/{w.meeting.id}#packs"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Pack version 1 issued" in page
    assert f'href="/meetings/{w.meeting.id}/packs/1.pdf"' in page
    [job] = db.session.scalars(sa.select(Job)).all()
    assert (job.state, job.attempts, job.user_id) == (JobState.DONE, 1, w.meeting.chair_id)
    assert _packs(w.meeting.id) == [(1, job.id)]


def test_an_unfinished_job_refreshes_itself_and_says_how_far_it_has_got(app, client):
    w = world()
    job = meeting_jobs.start_issue(
        w.meeting.chair, w.meeting, clock.today(), appendix=False, reason="", via="web"
    )
    job.state, job.progress = JobState.RUNNING, "Issuing version 1: laying out pages"
    db.session.flush()
    db.session.info.clear()  # nothing queued: this job stays running for the page to show
    db.session.commit()
    sign_in(client, w.meeting.chair)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Issuing the pack, version 1" in page
    assert "Issuing version 1: laying out pages…" in page
    assert _packs(w.meeting.id) == []


def test_a_job_run_again_finds_its_version_and_issues_none(app):
    w = world()
    job = meeting_jobs.start_issue(
        w.meeting.chair, w.meeting, clock.today(), appendix=False, reason="", via="web"
    )
    db.session.commit()
    run_committed()  # the tests' queue runs it here (a request does so when it ends)
    db.session.refresh(job)
    assert job.state is JobState.DONE and job.result is not None
    first = dict(job.result)
    # As if its worker had been killed after the commit was sent: the job runs again.
    context = jobs.JobContext(job, separate=False, lease=timedelta(seconds=60))
    assert meeting_jobs.run_issue(job, context) == first
    job.state, job.lease_until = JobState.RUNNING, utcnow() - timedelta(seconds=1)
    db.session.commit()
    jobs.run_job(job.id)
    db.session.refresh(job)
    assert (job.state, job.attempts, job.result) == (JobState.DONE, 2, first)
    assert _packs(w.meeting.id) == [(1, job.id)]


def test_a_job_refused_when_it_runs_says_what_failed_and_that_nothing_was_issued(app, client):
    w = world()
    job = meeting_jobs.start_issue(
        w.meeting.chair, w.meeting, clock.today(), appendix=False, reason="", via="web"
    )
    # Between the click and the worker, the minutes were approved: no more versions.
    w.meeting.status = MeetingStatus.MINUTES_APPROVED
    w.meeting.minutes_approved_at = utcnow()
    db.session.commit()
    run_committed()
    db.session.refresh(job)
    assert job.state is JobState.FAILED and job.errors == {
        "meeting": "The minutes are approved: no more packs"
    }
    sign_in(client, w.meeting.chair)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "There is a problem" in page and "The minutes are approved: no more packs" in page
    assert "Nothing was issued." in page
    assert _packs(w.meeting.id) == []


def test_a_second_click_follows_the_same_job(app):
    w = world()
    first = meeting_jobs.start_issue(
        w.meeting.chair, w.meeting, clock.today(), appendix=False, reason="", via="web"
    )
    again = meeting_jobs.start_issue(
        w.meeting.chair, w.meeting, clock.today(), appendix=False, reason="", via="web"
    )
    assert again.id == first.id
    db.session.commit()
    run_committed()
    assert _packs(w.meeting.id) == [(1, first.id)]


def test_a_job_that_lost_its_worker_too_often_is_given_up(app):
    w = world()
    job = meeting_jobs.start_issue(
        w.meeting.chair, w.meeting, clock.today(), appendix=False, reason="", via="web"
    )
    db.session.info.clear()  # not queued: the test plays the lost workers
    job.state, job.attempts = JobState.RUNNING, 3
    job.lease_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    jobs.requeue_lost_jobs(utcnow())
    db.session.commit()
    db.session.refresh(job)
    assert job.state is JobState.FAILED and "stopped 3 times" in job.error
    assert _packs(w.meeting.id) == []


def test_the_api_answers_201_as_before_or_202_with_the_jobs_location(app, client):
    w = world()
    headers = {"Authorization": f"Bearer {api_token_for(w.meeting.chair)}"}
    base = f"/api/v1/meetings/{w.meeting.id}/packs"
    issued = client.post(base, headers=headers)
    assert issued.status_code == 201
    body = issued.get_json()
    assert set(body) == {"version", "sha256", "pdf_url"} and body["version"] == 1
    forget_user()
    later = client.post(base, headers=headers | {"Prefer": "respond-async"})
    assert later.status_code == 202
    location = later.headers["Location"]
    assert location.startswith("/api/v1/jobs/") and later.get_json()["state"] == "queued"
    forget_user()
    status = client.get(location, headers=headers).get_json()
    assert status["state"] == "done" and status["error"] is None
    assert status["result"]["version"] == 2
    assert status["result"]["pdf_url"] == f"{base}/2.pdf"
    assert [v for v, _ in _packs(w.meeting.id)] == [1, 2]


def test_approving_the_minutes_runs_as_a_job_that_ends_on_minutes_approved(app, client):
    w = world()
    sign_in(client, w.meeting.chair)
    with clock.fixed_today(w.meeting.held_on):
        token = csrf(client)
        answer = client.post(
            f"/meetings/{w.meeting.id}/minutes/approve", data={"csrf_token": token}
        )
        assert answer.headers["Location"].startswith("/jobs/")
        done = client.get(answer.headers["Location"])
        assert done.headers["Location"] == f"/meetings/{w.meeting.id}/minutes"
        page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Minutes approved" in page and "Approved by" in page
    db.session.refresh(w.meeting)
    assert w.meeting.minutes_approved and w.meeting.minutes_sha256 is not None
    [job] = db.session.scalars(sa.select(Job)).all()
    assert job.kind == "approve-minutes" and job.result == {
        "meeting_id": w.meeting.id,
        "sha256": w.meeting.minutes_sha256,
    }


def test_a_second_chair_is_told_a_version_is_being_issued_and_nothing_more_is(app, client):
    w = world()
    first = meeting_jobs.start_issue(
        w.meeting.chair, w.meeting, clock.today(), appendix=False, reason="", via="web"
    )
    db.session.info.clear()  # still queued when the other chair clicks
    other = factories.user(Role.CHAIR, w.meeting.chair.agency)
    db.session.commit()
    sign_in(client, other)
    refused = client.post(f"/meetings/{w.meeting.id}/packs", data={"csrf_token": csrf(client)})
    assert refused.status_code == 400
    assert f"{w.meeting.chair.name} started this already" in refused.get_data(as_text=True)
    assert [j.id for j in db.session.scalars(sa.select(Job))] == [first.id]
