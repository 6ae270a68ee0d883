"""Visits and ECM measures marked AMBER+STRICT stay inside their agency (and chairs), everywhere."""

from __future__ import annotations

import io

import pytest

from portal import clock
from portal.ecm.importer import import_ecm
from portal.ecm.mappings import mapping_named
from portal.extensions import db
from portal.models import Marking, Role
from portal.visits.services import record_visit
from portal.visits.validation import validate_visit
from tests import factories
from tests.conftest import api_token_for

CANARY = "zebracanary"
THIS_MONTH = clock.today().strftime("%Y-%m")
LOG = (
    "visit_id,cqc_location_id,planned_start,planned_minutes,actual_start,actual_end\n"
    + "".join(f"S{n},1-300000001,{THIS_MONTH}-01T{8 + n % 10:02d}:00,30,,\n" for n in range(4))
    + f"S9,1-300000001,{THIS_MONTH}-02T08:00,30,{THIS_MONTH}-02T08:00,{THIS_MONTH}-02T08:30\n"
)


@pytest.fixture
def strict(app):
    """A MERTON member's AMBER+STRICT visit (canary in the evidence) and ECM data."""
    merton = factories.agency("MERTON")
    author = factories.user(Role.MEMBER, merton)
    provider = factories.provider(name="Hazel Homecare", cqc_location_id="1-300000001")
    db.session.commit()
    fields = validate_visit(
        {
            "provider_id": provider.id,
            "visited_on": clock.today().isoformat(),
            "visit_type": "unannounced",
            "overall": "poor",
            "marking": "AMBER+STRICT",
            "findings": {"protection": {"result": "not met", "evidence": f"{CANARY} found"}},
        }
    )
    visit = record_visit(author, fields)
    report = import_ecm(
        io.StringIO(LOG), "log.csv", mapping_named("portal"), merton, Marking.AMBER_STRICT
    )
    assert report.summary() == "Imported 5, updated 0, skipped 0"
    assert len(report.alert_item_ids) == 1  # 4 of 5 missed
    return provider, visit


@pytest.mark.parametrize(
    ("role", "agency", "reads"),
    [
        (Role.MEMBER, "MPS", False),
        (Role.VIEWER, "CQC", False),
        (Role.ADMIN, "MERTON", True),  # an administrator reads what their agency's users read
        (Role.VIEWER, "MERTON", True),
        (Role.CHAIR, "HARROW", True),
    ],
)
def test_a_strict_visit_and_strict_ecm_data_are_invisible_outside_the_agency_on_every_route(
    client, login_as, strict, role, agency, reads
):
    provider, visit = strict
    user = login_as(role, agency)
    visit_page = client.get(f"/contract-visits/{visit.id}")
    report = client.get(f"/contract-visits/{visit.id}/report.pdf?preview=1")
    assert (visit_page.status_code, report.status_code) == ((200, 200) if reads else (404, 404))
    item_link = f"/intelligence/{next(f.item_id for f in visit.findings if f.item_id)}"
    visit_link = f"/contract-visits/{visit.id}"
    for path in (f"/providers/{provider.id}", "/", "/intelligence", f"/search?q={CANARY}"):
        text = client.get(path).get_data(as_text=True)
        if not path.startswith("/search"):
            assert CANARY not in text, path  # the evidence is only ever in the item's body
        if path != "/":
            assert (item_link in text) is reads, path
    provider_page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert (visit_link in provider_page) is reads
    assert ("80.0%" in provider_page) is reads  # 4 of 5 visits missed this month
    assert ("Findings per principle of care" in provider_page) is reads
    client.delete_cookie("session")
    headers = {"Authorization": f"Bearer {api_token_for(user)}"}
    api_visit = client.get(f"/api/v1/contract-visits/{visit.id}", headers=headers)
    assert api_visit.status_code == (200 if reads else 404)
    detail = client.get(f"/api/v1/providers/{provider.id}", headers=headers).get_json()
    expected = [{"month": THIS_MONTH, "visits": 5, "missed": 4, "late": 0, "short": 0}]
    assert detail["care_monitoring"] == (expected if reads else [])
    assert CANARY not in str(detail)
    assert (
        next(f.item_id for f in visit.findings if f.item_id) in [i["id"] for i in detail["items"]]
    ) is reads
    search = client.get(f"/api/v1/search?q={CANARY}", headers=headers).get_json()
    assert (search["total"] > 0) is reads
