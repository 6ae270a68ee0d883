"""The OpenAPI document (portal/api/openapi.yaml) and the /api/v1 routes describe each other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from portal import create_app
from portal.api.openapi import COMPUTED, document
from portal.config import labels
from portal.models import VisitType
from portal.visits.validation import principles

PREFIX = "/api/v1"
# The document does not describe itself.
UNDESCRIBED = {("/openapi.json", "get")}
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The routes do not depend on the database: one app on an in-memory one."""
    instance = tmp_path_factory.mktemp("openapi") / "instance"
    yield create_app(
        {"env": "test", "database_url": "sqlite:///:memory:", "instance_path": str(instance)}
    )


def _shape(path: str) -> str:
    """A path with each parameter as {}: Flask's <int:x> and OpenAPI's {x} alike."""
    return re.sub(r"<[^>]*>|\{[^}]*\}", "{}", path)


def routes(app: Flask) -> set[tuple[str, str]]:
    """(path shape under /api/v1, lower-case method) for every API route of the app."""
    found: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        for method in rule.methods or ():
            if method.lower() in HTTP_METHODS:
                found.add((_shape(rule.rule[len(PREFIX) :]), method.lower()))
    return found


def described(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(path shape, method) for every operation in the document."""
    return {
        (_shape(path), method)
        for path, item in doc["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_api_route_is_in_the_document_and_every_operation_is_a_route(app):
    assert routes(app) - UNDESCRIBED == described(document())
    assert UNDESCRIBED <= routes(app)


def test_the_document_served_is_the_one_loaded(app):
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    assert served == document()
    assert served["servers"] == [{"url": PREFIX}]


def test_every_reference_in_the_document_resolves():
    doc = document()

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = set(refs(doc))
    assert found
    for ref in found:
        root, components, section, name = ref.split("/")
        assert (root, components) == ("#", "components"), ref
        assert name in doc["components"][section], ref


def test_the_computed_values_come_from_the_models_and_the_taxonomy():
    schemas = document()["components"]["schemas"]
    visit = schemas["NewContractVisit"]["properties"]
    assert visit["visit_type"]["enum"] == [t.value for t in VisitType]
    assert visit["spoke_to"]["items"]["enum"] == list(labels("visit_contacts"))
    assert list(visit["findings"]["properties"]) == [p.code for p in principles()]
    finding = visit["findings"]["properties"]["dignity"]
    assert finding["properties"]["result"]["enum"] == COMPUTED["finding_results"]()
    recorded = schemas["ContractVisit"]["properties"]["findings"]["items"]["properties"]
    assert recorded["principle"]["enum"] == [p.code for p in principles()]
