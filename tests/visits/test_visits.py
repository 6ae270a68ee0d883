"""Contract monitoring visits: recorded by council members, read through the policy, printed."""

from __future__ import annotations

import io
import re
from datetime import date

import sqlalchemy as sa
from pypdf import PdfReader

from portal.extensions import db
from portal.models import (
    AuditEvent,
    ContractVisit,
    FindingResult,
    IntelligenceItem,
    KeyQuestion,
    Marking,
    Role,
)
from portal.visits.validation import principles
from tests import factories
from tests.conftest import api_token_for, csrf_token_from


def form_post(client, provider, **changes):
    """Post the visit form with a dignity finding of not met unless told otherwise."""
    path = f"/providers/{provider.id}/contract-visits/new"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    data = {
        "csrf_token": token,
        "visited_day": "6",
        "visited_month": "10",
        "visited_year": "2026",
        "visit_type": "unannounced",
        "spoke_to": ["residents", "staff"],
        "overall": "requires improvement",
        "summary": "Lunchtime visit.",
        "marking": "AMBER",
        "dignity-result": "not met",
        "dignity-evidence": "Bedroom doors left open during personal care.",
        "dignity-likelihood": "4",
        "dignity-impact": "3",
        "protection-result": "met",
    } | changes
    return client.post(path, data=data)


def test_a_not_met_finding_becomes_an_item_with_its_key_question_and_theme(client, login_as):
    member = login_as(Role.MEMBER, "MERTON")
    provider = factories.provider(name="Rowan House")
    db.session.commit()
    response = form_post(client, provider)
    assert response.status_code == 302
    visit = db.session.scalar(sa.select(ContractVisit))
    assert response.headers["Location"].endswith(f"/contract-visits/{visit.id}")
    dignity = next(f for f in visit.findings if f.principle == "dignity")
    assert dignity.result is FindingResult.NOT_MET
    item = db.session.get(IntelligenceItem, dignity.item_id)
    assert item.provider_id == provider.id and item.author_id == member.id
    assert item.key_question is KeyQuestion.CARING and item.theme_codes == ["dignity"]
    assert (item.likelihood, item.impact, item.marking) == (4, 3, Marking.AMBER)
    assert item.observed_on == date(2026, 10, 6)
    assert "Bedroom doors left open" in item.body
    # One item: "met" and "not seen" findings become none.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IntelligenceItem)) == 1
    page = client.get(f"/contract-visits/{visit.id}").get_data(as_text=True)
    assert f"/intelligence/{item.id}" in page and "Not met" in page


def test_a_not_met_finding_without_evidence_is_refused_and_nothing_is_saved(client, login_as):
    login_as(Role.MEMBER, "MERTON")
    provider = factories.provider()
    db.session.commit()
    response = form_post(client, provider, **{"dignity-evidence": "", "visited_day": ""})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter the evidence for dignity not being met" in page
    assert "Date of the visit must include a day" in page
    assert 'href="#dignity-evidence"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContractVisit)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IntelligenceItem)) == 0


def test_a_member_of_a_police_agency_cannot_record_a_visit(client, login_as):
    login_as(Role.MEMBER, "MPS")
    provider = factories.provider()
    db.session.commit()
    assert client.get(f"/providers/{provider.id}/contract-visits/new").status_code == 403


def test_the_api_records_a_visit_and_reads_it_back(client, app):
    member = factories.user(Role.MEMBER, factories.agency("HARROW"))
    provider = factories.provider(cqc_location_id="1-555000111")
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token_for(member)}"}
    body = {
        "cqc_location_id": "1-555000111",
        "visited_on": "2026-10-06",
        "visit_type": "announced",
        "overall": "poor",
        "spoke_to": ["manager"],
        "findings": {
            "protection": {"result": "not met", "evidence": "No safeguarding log kept."},
            "dignity": {"result": "partly met", "evidence": "Mixed."},
        },
    }
    response = client.post("/api/v1/contract-visits", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["marking"] == "AMBER" and created["agency"] == "HARROW"
    assert created["provider"]["id"] == provider.id
    findings = {f["principle"]: f for f in created["findings"]}
    assert len(findings) == 12 and findings["individuality"]["result"] == "not seen"
    item = db.session.get(IntelligenceItem, findings["protection"]["intelligence_item_id"])
    assert (item.key_question, item.theme_codes) == (KeyQuestion.SAFE, ["safeguarding"])
    assert (item.likelihood, item.impact) == (3, 4)  # proposed by config/taxonomy.toml
    again = client.get(response.headers["Location"], headers=headers)
    assert again.status_code == 200 and again.get_json() == created


def test_the_api_refuses_bad_visits_with_a_message_per_field(client):
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    factories.provider()
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token_for(member)}"}
    body = {
        "provider_id": 999999,
        "visited_on": "2999-01-01",
        "visit_type": "drive-by",
        "overall": "fine",
        "marking": "RED",
        "findings": {"dignity": {"result": "not met"}, "kindness": {"result": "met"}},
    }
    response = client.post("/api/v1/contract-visits", json=body, headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {
        "provider_id",
        "visited_on",
        "visit_type",
        "overall",
        "marking",
        "findings",
        "findings.dignity.evidence",
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContractVisit)) == 0


def test_the_visit_report_is_a_pdf_marked_official_sensitive_with_the_findings(client, login_as):
    member = login_as(Role.MEMBER, "MERTON")
    visit = factories.contract_visit(
        member,
        factories.provider(name="Rowan House"),
        findings={"dignity": ("not met", "Doors left open during personal care.")},
    )
    db.session.commit()
    response = client.get(f"/contract-visits/{visit.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "OFFICIAL-SENSITIVE" in text and "Rowan House" in text
    assert "Doors left open during personal care." in text
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "contract-visit-report-downloaded" in events


def test_the_provider_page_lists_visits_and_draws_the_principle_grid(client, login_as):
    member = login_as(Role.MEMBER, "MERTON")
    provider = factories.provider(name="Rowan House")
    factories.contract_visit(member, provider, findings={"dignity": ("not met", "Doors open.")})
    factories.contract_visit(
        member, provider, visited_on=date(2026, 11, 3), findings={"dignity": ("met", "Better.")}
    )
    db.session.commit()
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "Contract monitoring visits" in page
    assert "6 October 2026" in page and "3 November 2026" in page
    assert "Findings per principle of care, by visit" in page
    # Every cell of the grid has its finding as text, not only a colour.
    assert page.count(">Not met</text>") >= 1 and page.count(">Met</text>") >= 1
    assert "Dignity, visit of 6 October 2026: not met" in page


def test_the_openapi_document_describes_contract_visits_and_care_monitoring(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(document["paths"]["/contract-visits"]) == {"post"}
    assert set(document["paths"]["/contract-visits/{id}"]) == {"get"}
    principles = document["components"]["schemas"]["NewContractVisit"]["properties"]["findings"]
    assert "managing-risk" in principles["properties"]
    detail = document["components"]["schemas"]["ProviderDetail"]["allOf"][1]["properties"]
    month = detail["care_monitoring"]["items"]
    assert month["required"] == ["month", "visits", "missed", "late", "short"]


def test_the_form_names_each_principle_once_in_a_details_block_of_its_own(client, login_as):
    """Each principle is a details block named by its summary; its fields say "Finding",
    "Evidence"... and give screen readers the principle in hidden words only."""
    login_as(Role.MEMBER, "MERTON")
    provider = factories.provider()
    db.session.commit()
    page = client.get(f"/providers/{provider.id}/contract-visits/new").get_data(as_text=True)
    shown = re.sub(r'<span class="govuk-visually-hidden">[^<]*</span>', "", page)
    # The words shown, but for the principles' descriptions (one starts "Protection is...").
    shown = re.sub(r'<title>.*?</title>|<p class="govuk-body-s">.*?</p>|<[^>]+>', " ", shown)
    blocks = re.findall(r'<details class="govuk-details" id="principle-([\w-]+)">', page)
    assert blocks == [p.code for p in principles()]  # closed: nothing recorded yet
    for principle in principles():
        assert len(re.findall(rf"\b{re.escape(principle.label)}\b", shown)) == 1, principle
    assert 'Finding<span class="govuk-visually-hidden"> (dignity)</span>' in page


def test_a_principle_with_a_finding_or_an_error_is_open_when_the_form_comes_back(client, login_as):
    login_as(Role.MEMBER, "MERTON")
    provider = factories.provider()
    db.session.commit()
    page = form_post(client, provider, **{"dignity-evidence": ""}).get_data(as_text=True)
    assert '<details class="govuk-details" id="principle-dignity" open>' in page
    assert '<details class="govuk-details" id="principle-protection" open>' in page  # met
    assert '<details class="govuk-details" id="principle-privacy">' in page  # not seen
