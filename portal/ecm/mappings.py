"""Mappings of suppliers' ECM exports onto the portal's visit log (config/ecm_mappings.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property

from portal.config import ConfigurationError, config_dir

DEFAULT_MAPPING = "portal"
PROVIDER_FIELDS = ("cqc_location_id", "provider_id")
DURATION_FIELDS = ("planned_minutes", "planned_end")
REQUIRED_FIELDS = ("visit_id", "planned_start", "actual_start", "actual_end")


class BadValue(ValueError):
    """A cell that cannot be read; the message says why."""


@dataclass(frozen=True)
class Mapping:
    """One supplier's export: which header holds each field, and how dates are written."""

    name: str
    title: str
    supplier: str
    date_format: str
    columns: dict[str, str]  # field -> header

    @cached_property
    def provider_field(self) -> str:
        """cqc_location_id or provider_id: how this export names the provider."""
        return next(f for f in PROVIDER_FIELDS if f in self.columns)

    @property
    def headers(self) -> list[str]:
        """The headers the file must have."""
        return list(self.columns.values())

    def parse_time(self, text: str) -> datetime:
        """A date-time cell as a naive local datetime; BadValue when it is not one."""
        text = text.strip()
        try:
            if self.date_format == "iso":
                value = datetime.fromisoformat(text)
            else:
                value = datetime.strptime(text, self.date_format)  # noqa: DTZ007 - local times
        except ValueError:
            example = "2026-10-01T08:00" if self.date_format == "iso" else self.date_format
            raise BadValue(f"“{text[:40]}” is not a date and time like {example}") from None
        if value.tzinfo is not None:
            # A zone, if given, is dropped: the log is in local time, as the visits were.
            value = value.replace(tzinfo=None)
        return value


def _mapping(name: str, entry: dict[str, object]) -> Mapping:
    columns = entry.get("columns")
    if not isinstance(columns, dict):
        raise ConfigurationError(f"ecm_mappings.toml: {name} has no [columns]")
    columns = {str(k): str(v) for k, v in columns.items()}
    for choice in (PROVIDER_FIELDS, DURATION_FIELDS):
        if sum(f in columns for f in choice) != 1:
            raise ConfigurationError(
                f"ecm_mappings.toml: {name} needs exactly one of {' or '.join(choice)}"
            )
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise ConfigurationError(f"ecm_mappings.toml: {name} lacks {', '.join(missing)}")
    return Mapping(
        name=name,
        title=str(entry.get("title", name)),
        supplier=str(entry.get("supplier", name))[:50],
        date_format=str(entry.get("date_format", "iso")),
        columns=columns,
    )


@cache
def mappings() -> dict[str, Mapping]:
    """Every mapping by name, read once from config/ecm_mappings.toml."""
    with open(config_dir() / "ecm_mappings.toml", "rb") as handle:
        entries = tomllib.load(handle).get("mappings", {})
    return {name: _mapping(name, entry) for name, entry in entries.items()}


def mapping_named(name: str) -> Mapping | None:
    """The mapping of that name, or None."""
    return mappings().get(name)
