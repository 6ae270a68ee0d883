"""POST /api/v1/intelligence and GET /api/v1/intelligence/ID, as DESIGN.md's contract says."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, IntelligenceItem, IntelligenceRevision, Marking, Role
from tests import factories
from tests.conftest import api_token_for
from tests.intelligence.helpers import PDF_BYTES, api_fields, attach


def api_client(client, user):
    client.delete_cookie("session")
    token = api_token_for(user)
    return {"Authorization": f"Bearer {token}"}


def count_items() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IntelligenceItem))


def test_posting_an_item_answers_201_with_the_item(client, login_as):
    member = login_as(Role.MEMBER, "MPS")
    provider = factories.provider(name="Cedar Lodge")
    db.session.commit()
    headers = api_client(client, member)
    response = client.post("/api/v1/intelligence", json=api_fields(provider.id), headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/intelligence/{body['id']}")
    assert body["provider"] == {
        "id": provider.id,
        "name": "Cedar Lodge",
        "cqc_location_id": provider.cqc_location_id,
    }
    assert (body["score"], body["band"], body["revisions"]) == (12, "high", 1)
    assert body["source_agency"] == "MPS" and body["author"] == member.name
    assert body["marking"] == "AMBER" and body["status"] == "open"
    assert body["source_evaluation"] == 1 and body["intelligence_assessment"] == "B"
    assert body["themes"] == ["staffing"] and body["attachments"] == []
    item = db.session.get(IntelligenceItem, body["id"])
    revision = db.session.scalar(sa.select(IntelligenceRevision))
    assert revision.content == item.snapshot()
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "intelligence-logged")
    )
    assert event.data["via"] == "api"


def test_a_provider_can_be_named_by_its_cqc_location_id(client, login_as):
    member = login_as(Role.MEMBER)
    provider = factories.provider(cqc_location_id="1-987654321")
    db.session.commit()
    fields = api_fields(None, cqc_location_id="1-987654321")
    del fields["provider_id"]
    response = client.post("/api/v1/intelligence", json=fields, headers=api_client(client, member))
    assert response.status_code == 201
    assert response.get_json()["provider"]["id"] == provider.id


def test_every_bad_field_is_reported_at_once_and_nothing_is_saved(client, login_as):
    member = login_as(Role.MEMBER)
    db.session.commit()
    bad = {
        "provider_id": 999999,
        "observed_on": "05/10/2026",
        "title": "",
        "body": 42,
        "key_question": "kind",
        "themes": ["staffing", "unknown-theme"],
        "likelihood": 6,
        "impact": "high",
        "source_evaluation": 4,
        "intelligence_assessment": "F",
        "handling_code": "C",
        "marking": "PURPLE",
        "colour": "blue",
    }
    response = client.post("/api/v1/intelligence", json=bad, headers=api_client(client, member))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {
        "provider_id",
        "observed_on",
        "title",
        "body",
        "key_question",
        "themes",
        "likelihood",
        "impact",
        "source_evaluation",
        "intelligence_assessment",
        "handling_conditions",
        "marking",
        "colour",
    }
    assert errors["observed_on"] == "Date observed must be a real date in the format YYYY-MM-DD"
    assert "unknown-theme" in errors["themes"]
    assert count_items() == 0


def test_a_future_date_and_unknown_red_recipients_are_refused(client, login_as):
    member = login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    fields = api_fields(
        provider.id, observed_on="2999-01-01", marking="RED", recipients=["who@example.org"]
    )
    response = client.post("/api/v1/intelligence", json=fields, headers=api_client(client, member))
    errors = response.get_json()["errors"]
    assert errors["observed_on"] == "Date observed must be today or in the past"
    assert "who@example.org" in errors["recipients"]


def test_a_body_that_is_not_json_gets_a_clear_422(client, login_as):
    member = login_as(Role.MEMBER)
    headers = api_client(client, member)
    for data, content_type in (
        ("title=x", "application/x-www-form-urlencoded"),
        ("{", "application/json"),
        ("[1]", "application/json"),
    ):
        response = client.post(
            "/api/v1/intelligence", data=data, content_type=content_type, headers=headers
        )
        assert response.status_code == 422
        assert "JSON object" in response.get_json()["errors"]["request"]


def test_viewers_and_administrators_may_not_post(client, login_as):
    provider = factories.provider()
    db.session.commit()
    for role in (Role.VIEWER, Role.ADMIN):
        user = login_as(role)
        response = client.post(
            "/api/v1/intelligence", json=api_fields(provider.id), headers=api_client(client, user)
        )
        assert response.status_code == 403
    assert count_items() == 0


def test_getting_an_item_gives_grading_marking_risk_and_files_without_content(client, login_as):
    reader = login_as(Role.VIEWER)
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    item = factories.item(officer, Marking.GREEN, likelihood=5, impact=3)
    attachment = attach(item, officer, "notes.pdf", PDF_BYTES)
    db.session.commit()
    response = client.get(f"/api/v1/intelligence/{item.id}", headers=api_client(client, reader))
    body = response.get_json()
    assert (body["score"], body["band"], body["marking"]) == (15, "extreme", "GREEN")
    assert (body["source_evaluation"], body["intelligence_assessment"], body["handling_code"]) == (
        1,
        "A",
        "P",
    )
    assert body["attachments"] == [
        {
            "id": attachment.id,
            "filename": "notes.pdf",
            "size": len(PDF_BYTES),
            "content_type": "application/pdf",
        }
    ]
    assert db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "intelligence-read")
    )


def test_an_item_the_caller_may_not_read_is_404_like_a_missing_one(client, login_as):
    reader = login_as(Role.CHAIR)
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    red = factories.item(officer, Marking.RED)
    db.session.commit()
    headers = api_client(client, reader)
    hidden = client.get(f"/api/v1/intelligence/{red.id}", headers=headers)
    missing = client.get("/api/v1/intelligence/999999", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_the_openapi_document_describes_both_calls(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "post" in document["paths"]["/intelligence"]
    assert "get" in document["paths"]["/intelligence/{item_id}"]
    schemas = document["components"]["schemas"]
    assert "marking" in schemas["NewIntelligenceItem"]["properties"]
    assert "revisions" in schemas["IntelligenceItem"]["properties"]
