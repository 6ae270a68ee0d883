"""One unit of work: services never commit; the request, the command or the import does.

Refused input (ValidationFailed) saves nothing through a page or the API, and a view that
raises rolls back what it changed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal import clock
from portal.extensions import db
from portal.models import Role
from portal.unit_of_work import ValidationFailed
from tests import factories
from tests.conftest import api_token_for, csrf_token_from

PORTAL = Path(__file__).resolve().parent.parent / "portal"

#: The only places that may commit, each with its reason.
ALLOWED_COMMITS = {
    # The request's one commit, and a refused sign-in committed before the page is answered.
    "unit_of_work.py": "the unit of work itself",
    # Each command is its own unit of work and commits once (or rolls back and fails).
    "cli.py": "the portal command group",
    # The demo loader runs outside any request and commits the data set, each issued pack and
    # each approval of minutes as a chair's request would.
    "demo/load.py": "the demo loader",
    "demo/meetings.py": "the demo's packs and minutes",
    # Bulk imports commit batch by batch so memory stays flat and a refused batch is retried
    # one record at a time without undoing the batches already written.
    "bulk.py": "the bulk writer's batches",
    # The import entry points (command and upload page) commit their report with the last batch.
    "providers/importer.py": "the CQC import",
    "ecm/importer.py": "the ECM import",
    # An alert item and the record that it was raised commit together, so it is never raised
    # twice even when a later alert of the same import fails.
    "ecm/alerts.py": "the ECM import's alerts",
    # The mail jobs run outside any request: each message's outcome commits at once, so a
    # message sent is never sent again; the daily job commits its reminders and digests.
    "mail/outbox.py": "the mail delivery job",
    "mail/daily.py": "the daily mail job",
    # A job is its own unit of work: the worker's claim of it (its lease), its result or
    # failure; the API's wait for a job commits the job first so a worker can see it; a
    # registered task commits what it did.
    "jobs/services.py": "a job's claim, result and failure",
    "jobs/queue.py": "a queued task's unit of work",
    # A Whoosh index writer's commit, not the database's.
    "search/whoosh_build.py": "the Whoosh index build",
    "search/whoosh_engine.py": "the Whoosh index update",
}


def _commit_calls(path: Path) -> list[int]:
    """The lines of every `<something>.commit()` call in a module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def test_only_the_unit_of_work_commands_and_imports_commit() -> None:
    found = {
        path.relative_to(PORTAL).as_posix(): lines
        for path in sorted(PORTAL.rglob("*.py"))
        if (lines := _commit_calls(path))
    }
    outside = {name: lines for name, lines in found.items() if name not in ALLOWED_COMMITS}
    assert not outside, f"services and views change the session; only these commit: {outside}"
    assert "unit_of_work.py" in found


def test_a_validation_failure_carries_every_message() -> None:
    refused = ValidationFailed({"title": "Enter a title", "body": "Enter the details"})
    assert refused.errors == {"title": "Enter a title", "body": "Enter the details"}
    assert str(refused) == "Enter a title; Enter the details"


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def test_a_refused_form_saves_nothing(app: Flask, client: FlaskClient, login_as) -> None:
    login_as(Role.CHAIR)
    provider = factories.provider(name="Aspen Lodge")
    db.session.commit()
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    before = _row_counts()
    response = client.post(
        f"/providers/{provider.id}/embargoes/new",
        data={"csrf_token": token, "reason": " "},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the reason for the embargo" in html and "Enter the start date" in html
    assert _row_counts() == before


def test_a_refused_api_call_answers_422_and_saves_nothing(app: Flask, client: FlaskClient) -> None:
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token_for(member)}"}
    before = _row_counts()
    response = client.post(
        "/api/v1/intelligence", json={"title": "", "colour": "red"}, headers=headers
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["colour"] == "Unknown field"
    assert errors["provider_id"] == "Choose the provider (give provider_id or cqc_location_id)"
    assert _row_counts() == before


def test_a_view_that_raises_rolls_back_what_it_changed(
    app: Flask, client: FlaskClient, login_as, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.visits import services

    login_as(Role.MEMBER, "MERTON")
    provider = factories.provider(name="Hazel Homecare")
    db.session.commit()
    record_visit = services.record_visit

    def record_then_fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        record_visit(*args, **kwargs)
        raise RuntimeError("the page failed after the visit was recorded")

    monkeypatch.setattr(services, "record_visit", record_then_fail)
    path = f"/providers/{provider.id}/contract-visits/new"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    before = _row_counts()
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "visited_day": str(clock.today().day),
            "visited_month": str(clock.today().month),
            "visited_year": str(clock.today().year),
            "visit_type": "unannounced",
            "overall": "requires improvement",
            "marking": "AMBER",
            "dignity-result": "not met",
            "dignity-evidence": "Bedroom doors left open during personal care.",
            "dignity-likelihood": "4",
            "dignity-impact": "3",
            "protection-result": "met",
        },
    )
    assert response.status_code == 500
    assert _row_counts() == before
