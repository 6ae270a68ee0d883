"""Settings: config/default.toml, overridden by PORTAL_-prefixed environment variables."""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from portal.risk_bands import BandThresholdsError, configured_band_floors

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "PORTAL_"
ENVIRONMENTS = ("development", "production", "test")


class ConfigurationError(RuntimeError):
    """The settings cannot be used; the message says what to change."""


def config_dir() -> Path:
    """The folder holding default.toml and taxonomy.toml."""
    return Path(os.environ.get("PORTAL_CONFIG_DIR", PROJECT_ROOT / "config"))


def _coerce(raw: str, default: Any) -> Any:
    """Read an environment string as the type of the file's default."""
    if isinstance(default, bool):
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigurationError(f"expected true or false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"expected a whole number, got {raw!r}") from None
    return raw


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The effective settings: file defaults, then environment, then explicit overrides."""
    with open(config_dir() / "default.toml", "rb") as fh:
        settings: dict[str, Any] = tomllib.load(fh)
    for key, default in list(settings.items()):
        env_name = ENV_PREFIX + key.upper()
        if env_name in os.environ:
            try:
                settings[key] = _coerce(os.environ[env_name], default)
            except ConfigurationError as exc:
                raise ConfigurationError(f"{env_name}: {exc}") from None
    # Secrets are never in the file, only in the environment.
    settings["secret_key"] = os.environ.get("PORTAL_SECRET_KEY", "")
    settings.update(overrides or {})
    if settings["env"] not in ENVIRONMENTS:
        raise ConfigurationError(
            f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {settings['env']!r}"
        )
    _check_risk_bands()
    return settings


def _check_risk_bands() -> None:
    """Refuse to start with risk band thresholds that portal.risk_bands would refuse later."""
    try:
        configured_band_floors()
    except BandThresholdsError as exc:
        raise ConfigurationError(str(exc)) from None


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@cache
def taxonomy() -> dict[str, Any]:
    """The shared vocabulary from config/taxonomy.toml (key questions, themes, ...)."""
    with open(config_dir() / "taxonomy.toml", "rb") as fh:
        return tomllib.load(fh)


def labels(section: str) -> dict[str, str]:
    """Code -> label for a list section of the taxonomy (themes, service_types, ...)."""
    value = taxonomy()[section]
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return {entry["code"]: entry["label"] for entry in value}
