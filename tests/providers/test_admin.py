"""Administrators add and change providers (every change audited) and upload CQC files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Provider, Role
from tests.conftest import csrf_token_from
from tests.providers.conftest import named_provider

DATA = Path(__file__).parent / "data"


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def post_form(client, url: str, data: dict, **kwargs):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def test_an_administrator_adds_a_provider_and_it_is_audited(client, login_as):
    login_as(Role.ADMIN)
    response = post_form(
        client,
        "/providers/new",
        {
            "name": "St. Mary’s Lodge",
            "cqc_location_id": " 1-123456789 ",
            "postcode": "sw19 2hl",
            "local_authority": "Merton",
            "latitude": "51.41",
            "longitude": "-0.19",
            "service_types": ["care-home", "domiciliary"],
        },
    )
    assert response.status_code == 302
    provider = db.session.scalar(sa.select(Provider))
    assert provider.name_key == "st marys lodge"
    assert provider.cqc_location_id == "1-123456789"
    assert (provider.postcode, provider.postcode_district) == ("SW19 2HL", "SW19")
    assert provider.service_type_codes == ["care-home", "domiciliary"]
    [event] = audit_events("provider-created")
    assert event.object_id == str(provider.id)


def test_a_change_is_audited_with_the_names_of_the_fields_changed(client, login_as):
    provider = named_provider("Oak Lodge", local_authority="Merton", postcode="SW19 2HL")
    db.session.commit()
    login_as(Role.ADMIN)
    url = f"/providers/{provider.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Oak Lodge"' in page
    response = post_form(
        client,
        url,
        {"name": "Oak Lodge Nursing", "local_authority": "Merton", "postcode": "SW19 2HL"},
    )
    assert response.status_code == 302
    [event] = audit_events("provider-changed")
    assert event.data["changes"] == ["name"]
    assert db.session.get(Provider, provider.id).name_key == "oak lodge nursing"
    # Saving again without a change records nothing more.
    post_form(
        client,
        url,
        {"name": "Oak Lodge Nursing", "local_authority": "Merton", "postcode": "SW19 2HL"},
    )
    assert len(audit_events("provider-changed")) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter the provider’s name"),
        ({"name": "X", "postcode": "SW19 2CI"}, "is not a valid UK postcode"),
        ({"name": "X", "postcode": "SW19"}, "Enter the full postcode"),
        ({"name": "X", "cqc_location_id": "12345"}, "CQC location ID in the right format"),
        ({"name": "X", "latitude": "north"}, "Latitude must be a number"),
        ({"name": "X", "latitude": "51.4"}, "Enter both latitude and longitude"),
        ({"name": "X", "cqc_location_id": "1-999999999"}, "Another provider already has"),
    ],
)
def test_bad_details_get_a_clear_message_and_what_was_typed_is_kept(
    client, login_as, data, message
):
    named_provider("Taken", cqc_location_id="1-999999999")
    db.session.commit()
    login_as(Role.ADMIN)
    html = post_form(client, "/providers/new", data).get_data(as_text=True)
    assert "There is a problem" in html
    assert message in html
    if data.get("postcode"):
        assert f'value="{data["postcode"]}"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == 1


def upload(client, name: str, content: bytes):
    return post_form(
        client,
        "/providers/import",
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        follow_redirects=True,  # to the import's job, which ends on the report
    )


def test_an_upload_runs_the_importer_and_shows_the_report(client, login_as):
    login_as(Role.ADMIN)
    html = upload(client, "directory.csv", (DATA / "directory.csv").read_bytes()).get_data(
        as_text=True
    )
    assert "Created 3, updated 0, unchanged 0, skipped 4" in html
    assert "missing Location ID" in html and '<td class="govuk-table__cell">5</td>' in html
    [event] = audit_events("providers-imported")
    assert event.data["file"] == "directory.csv"
    assert event.user_id is not None
    html = upload(client, "directory.csv", (DATA / "directory.csv").read_bytes()).get_data(
        as_text=True
    )
    assert "Created 0, updated 0, unchanged 3, skipped 4" in html


def test_an_upload_that_is_not_a_cqc_file_gets_a_clear_message(client, login_as):
    login_as(Role.ADMIN)
    html = upload(client, "list.csv", b"Name,Address\nA,B\n").get_data(as_text=True)
    assert "There is a problem" in html and "not in a CQC layout" in html
    html = post_form(client, "/providers/import", {}).get_data(as_text=True)
    assert "Choose a CSV file to import" in html


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.CHAIR])
def test_other_roles_cannot_post_to_the_admin_pages(client, login_as, role):
    login_as(role)
    for url in ("/providers/new", "/providers/import"):
        assert client.post(url, data={}).status_code in (400, 403)
