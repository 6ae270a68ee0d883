"""The OpenAPI 3 document of /api/v1: openapi.yaml, with the taxonomy's values filled in."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from portal.config import labels
from portal.models import FindingResult, OverallJudgement, VisitType
from portal.policy import MONITORING_MARKINGS
from portal.visits.validation import principles

DOCUMENT_PATH = Path(__file__).with_name("openapi.yaml")

# What `!computed NAME` in openapi.yaml stands for: values the models and the taxonomy decide.
COMPUTED: dict[str, Callable[[], list[str]]] = {
    "visit_types": lambda: [t.value for t in VisitType],
    "visit_contacts": lambda: list(labels("visit_contacts")),
    "overall_judgements": lambda: [j.value for j in OverallJudgement],
    "finding_results": lambda: [r.value for r in FindingResult],
    "monitoring_markings": lambda: [m.value for m in MONITORING_MARKINGS],
    "principles": lambda: [p.code for p in principles()],
}


class DocumentLoader(yaml.SafeLoader):
    """Safe YAML plus the two tags openapi.yaml uses for computed values."""


def _computed(loader: DocumentLoader, node: yaml.Node) -> list[str]:
    """`!computed NAME`: the list of values COMPUTED[NAME] gives."""
    assert isinstance(node, yaml.ScalarNode)
    return COMPUTED[loader.construct_scalar(node)]()


def _per_principle(loader: DocumentLoader, node: yaml.Node) -> dict[str, Any]:
    """`!per_principle MAPPING`: the mapping under each principle of care's code, in order."""
    assert isinstance(node, yaml.MappingNode)
    schema = loader.construct_mapping(node, deep=True)
    return {principle.code: schema for principle in principles()}


DocumentLoader.add_constructor("!computed", _computed)
DocumentLoader.add_constructor("!per_principle", _per_principle)


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI document, read once."""
    with DOCUMENT_PATH.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.load(fh, Loader=DocumentLoader)  # noqa: S506 (a SafeLoader)
    return loaded
