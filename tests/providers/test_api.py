"""GET /api/v1/providers and /api/v1/providers/ID, as the API contract says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import ConcernStage, Marking, Role
from tests import factories
from tests.conftest import api_token_for
from tests.providers.conftest import embargo, named_provider, open_concern

PROVIDER_KEYS = {
    "id",
    "name",
    "cqc_location_id",
    "cqc_provider_id",
    "address",
    "postcode",
    "local_authority",
    "service_types",
    "latitude",
    "longitude",
    "ratings",
}


@pytest.fixture
def caller(app, client):
    """api(path, role=MEMBER) -> response, called with a bearer token."""

    def call(path: str, role: Role = Role.MEMBER, agency: str = "MERTON"):
        user = factories.user(role, factories.agency(agency))
        db.session.commit()
        return client.get(path, headers={"Authorization": f"Bearer {api_token_for(user)}"})

    return call


@pytest.fixture
def register(app, chair):
    george = named_provider(
        "St. George's Care Home",
        ratings={"overall": "Requires improvement", "well-led": "Inadequate"},
        service_types=["care-home-nursing"],
        cqc_location_id="1-111111111",
        cqc_provider_id="1-900000001",
        postcode="SW19 2HL",
        postcode_district="SW19",
        latitude=51.4183,
        longitude=-0.1970,
    )
    willow = named_provider("Willow Court", postcode="SW19 8AA", postcode_district="SW19")
    far = named_provider("Far Away", postcode="HA1 1AA", postcode_district="HA1")
    open_concern(george, chair, stages=[ConcernStage.INITIATE, ConcernStage.FINDINGS_MEETING])
    embargo(george, chair, clock.today() - timedelta(days=1), boroughs=["Sutton"])
    db.session.commit()
    return {"george": george, "willow": willow, "far": far}


def test_the_list_answers_items_total_and_page_with_each_provider_in_full(caller, register):
    body = caller("/api/v1/providers").get_json()
    assert set(body) == {"items", "total", "page"}
    assert (body["total"], body["page"]) == (3, 1)
    george = next(p for p in body["items"] if p["cqc_location_id"] == "1-111111111")
    assert set(george) == PROVIDER_KEYS
    assert george["ratings"] == {
        "overall": "Requires improvement",
        "safe": None,
        "effective": None,
        "caring": None,
        "responsive": None,
        "well-led": "Inadequate",
        "published_on": "2025-06-30",
    }
    assert george["service_types"] == ["care-home-nursing"]
    assert (george["latitude"], george["longitude"]) == (51.4183, -0.197)


def test_q_finds_by_name_with_a_typo_and_by_cqc_id(caller, register):
    names = [p["name"] for p in caller("/api/v1/providers?q=st+gorges").get_json()["items"]]
    assert names == ["St. George's Care Home"]
    body = caller("/api/v1/providers?q=1-900000001").get_json()
    assert [p["name"] for p in body["items"]] == ["St. George's Care Home"]


def test_a_postcode_lists_the_nearest_first_with_distances(caller, register):
    body = caller("/api/v1/providers?postcode=sw192hl").get_json()
    assert [p["name"] for p in body["items"]] == ["St. George's Care Home", "Willow Court"]
    assert body["items"][0]["distance_km"] == 0.0
    assert body["items"][1]["distance_km"] > 0
    assert body["total"] == 2


def test_a_postcode_and_a_name_together_narrow_each_other(caller, register):
    body = caller("/api/v1/providers?postcode=SW19&q=willow").get_json()
    assert [p["name"] for p in body["items"]] == ["Willow Court"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("postcode=SW19+2CI", "postcode"),
        ("postcode=BFPO+123", "postcode"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
    ],
)
def test_bad_input_is_422_with_a_message_per_field(caller, register, query, field):
    response = caller(f"/api/v1/providers?{query}")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {field}


def test_a_page_past_the_end_is_empty(caller, register):
    body = caller("/api/v1/providers?page=9").get_json()
    assert body == {"items": [], "total": 3, "page": 9}


def test_the_detail_adds_risk_concern_embargo_and_readable_items(caller, register):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    george = register["george"]
    factories.item(officer, Marking.GREEN, george, title="Green", observed_on=clock.today())
    factories.item(
        officer,
        Marking.AMBER,
        george,
        title="Amber",
        observed_on=clock.today() - timedelta(days=1),
        likelihood=4,
        impact=4,
    )
    factories.item(officer, Marking.RED, george, title="Red", observed_on=clock.today())
    db.session.commit()
    body = caller(f"/api/v1/providers/{george.id}").get_json()
    assert PROVIDER_KEYS <= set(body)
    assert body["current_risk"] == {"score": 16, "band": "extreme"}
    assert body["concern_stage"] == "findings-meeting"
    assert body["embargo"]["boroughs_told"][0]["borough"] == "Sutton"
    assert [i["title"] for i in body["items"]] == ["Green", "Amber"]
    assert set(body["items"][0]) == {
        "id",
        "title",
        "observed_on",
        "key_question",
        "marking",
        "score",
        "band",
        "source_agency",
        "status",
    }
    assert body["items"][1]["marking"] == "AMBER"
    assert body["items"][1]["source_agency"] == "MPS"


def test_a_viewer_gets_only_what_a_viewer_may_read_and_no_risk_from_the_rest(caller, register):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    factories.item(officer, Marking.AMBER, register["far"], observed_on=clock.today())
    db.session.commit()
    body = caller(f"/api/v1/providers/{register['far'].id}", role=Role.VIEWER).get_json()
    assert body["items"] == []
    assert body["current_risk"] is None
    assert body["concern_stage"] is None and body["embargo"] is None


def test_an_unknown_provider_is_404(caller, register):
    assert caller("/api/v1/providers/999999").status_code == 404


def test_the_openapi_document_describes_the_provider_calls(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/providers" in document["paths"] and "/providers/{id}" in document["paths"]
    provider = document["components"]["schemas"]["Provider"]
    assert set(provider["required"]) == PROVIDER_KEYS
