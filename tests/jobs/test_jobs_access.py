"""A job's page and GET /api/v1/jobs/ID: the user who started it reads it, whatever the role;
everyone else gets 404, as for a job that does not exist."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import JobState, Role
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import forget_user, sign_in


@pytest.mark.parametrize("role", list(Role))
def test_the_starter_reads_their_job_and_others_of_the_same_role_get_not_found(app, client, role):
    starter = factories.user(role, factories.agency("MERTON"))
    other = factories.user(role, factories.agency("MERTON"))
    job = factories.job(
        starter,
        state=JobState.FAILED,
        kind="import-cqc",
        title="Importing list.csv",
        error="The file is empty.",
        params={"file_name": "list.csv"},
    )
    db.session.commit()
    for user, page, api in ((starter, 302, 200), (other, 404, 404)):
        sign_in(client, user)
        assert client.get(f"/jobs/{job.id}").status_code == page, user.role
        forget_user()
        headers = {"Authorization": f"Bearer {api_token_for(user)}"}
        answer = client.get(f"/api/v1/jobs/{job.id}", headers=headers)
        assert answer.status_code == api, user.role
        forget_user()
    assert answer.get_json() == {"error": "Not found"}


def test_a_finished_import_job_ends_on_its_upload_page_with_what_stopped_it(app, client):
    admin = factories.user(Role.ADMIN, factories.agency("MERTON"))
    job = factories.job(admin, state=JobState.FAILED, kind="import-cqc", error="The file is empty.")
    db.session.commit()
    sign_in(client, admin)
    page = client.get(f"/jobs/{job.id}", follow_redirects=True).get_data(as_text=True)
    assert "There is a problem" in page and "The file is empty." in page


def test_an_inactive_starter_and_hostile_ids_get_not_found(app, client):
    chair = factories.user(Role.CHAIR, factories.agency("MERTON"))
    job = factories.job(chair)
    db.session.commit()
    sign_in(client, chair)
    for bad in ("x" * 33, "nothing", "%20", "..%2F..%2Fetc"):
        assert client.get(f"/jobs/{bad}").status_code == 404, bad
    api = {"Authorization": f"Bearer {api_token_for(chair)}"}
    forget_user()
    assert client.get(f"/api/v1/jobs/{'y' * 500}", headers=api).status_code == 404
    chair.active = False
    db.session.commit()
    forget_user()
    assert client.get(f"/jobs/{job.id}").status_code in (302, 404)
