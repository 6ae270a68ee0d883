"""Settings: config/default.toml, overridden by PORTAL_-prefixed environment variables."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from portal.risk_bands import Band, BandThresholdsError, configured_band_floors

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "PORTAL_"
ENVIRONMENTS = ("development", "production", "test")
#: Tables of the file whose keys the environment overrides one by one, as
#: PORTAL_<TABLE>_<SUBTABLE>_<KEY> (PORTAL_MEETINGS_AGENDA_CAP=10).
NESTED_TABLES = ("meetings", "mail")


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
    _override_from_environment(settings, ENV_PREFIX)
    # Secrets are never in the file, only in the environment.
    settings["secret_key"] = os.environ.get("PORTAL_SECRET_KEY", "")
    settings.setdefault("mail", {})["password"] = os.environ.get("PORTAL_MAIL_PASSWORD", "")
    settings.update(overrides or {})
    if settings["env"] not in ENVIRONMENTS:
        raise ConfigurationError(
            f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {settings['env']!r}"
        )
    _check_risk_bands()
    agenda_rules(settings)
    mail_settings(settings)
    return settings


def _override_from_environment(table: dict[str, Any], prefix: str) -> None:
    """Each key of the table from its PORTAL_ variable, when set (nested tables key by key)."""
    for key, default in list(table.items()):
        env_name = prefix + key.upper()
        if isinstance(default, dict) and (prefix != ENV_PREFIX or key in NESTED_TABLES):
            _override_from_environment(default, env_name + "_")
        elif env_name in os.environ:
            try:
                table[key] = _coerce(os.environ[env_name], default)
            except ConfigurationError as exc:
                raise ConfigurationError(f"{env_name}: {exc}") from None


def _check_risk_bands() -> None:
    """Refuse to start with risk band thresholds that portal.risk_bands would refuse later."""
    try:
        configured_band_floors()
    except BandThresholdsError as exc:
        raise ConfigurationError(str(exc)) from None


@dataclass(frozen=True)
class AgendaRules:
    """The group's rules for a meeting's discussion list ([meetings.agenda] in default.toml)."""

    cap: int = 15
    current_risk: bool = True
    current_risk_band: Band = Band.EXTREME
    risk_up_a_band: bool = True
    risk_up_a_band_to: Band = Band.HIGH
    open_concern: bool = True
    embargo_in_force: bool = True
    poor_cqc_rating: bool = True
    overdue_action: bool = True
    chair_additions: bool = True


AGENDA_SWITCHES = (
    "current_risk",
    "risk_up_a_band",
    "open_concern",
    "embargo_in_force",
    "poor_cqc_rating",
    "overdue_action",
    "chair_additions",
)
AGENDA_BANDS = ("current_risk_band", "risk_up_a_band_to")
MAX_AGENDA_CAP = 200


def agenda_rules(settings: dict[str, Any]) -> AgendaRules:
    """The [meetings.agenda] rules from the settings; ConfigurationError saying what to change."""
    table = settings.get("meetings", {})
    raw = table.get("agenda", {}) if isinstance(table, dict) else None
    if not isinstance(raw, dict):
        raise ConfigurationError("[meetings.agenda] must be a table of settings")
    where = "meetings.agenda"
    unknown = sorted(set(raw) - {"cap", *AGENDA_SWITCHES, *AGENDA_BANDS})
    if unknown:
        raise ConfigurationError(f"{where}: unknown setting {unknown[0]!r}")
    values: dict[str, Any] = {}
    cap = raw.get("cap", AgendaRules.cap)
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_AGENDA_CAP:
        raise ConfigurationError(
            f"{where}.cap: the most providers for discussion is a whole number from 1 to "
            f"{MAX_AGENDA_CAP}, not {cap!r}"
        )
    values["cap"] = cap
    for name in AGENDA_SWITCHES:
        value = raw.get(name, True)
        if not isinstance(value, bool):
            raise ConfigurationError(f"{where}.{name}: write true or false, not {value!r}")
        values[name] = value
    bands = ", ".join(b.value for b in Band if b is not Band.LOW)
    for name in AGENDA_BANDS:
        value = raw.get(name, getattr(AgendaRules, name).value)
        if value not in [b.value for b in Band] or value == Band.LOW.value:
            raise ConfigurationError(f"{where}.{name}: one of {bands}, not {value!r}")
        values[name] = Band(value)
    return AgendaRules(**values)


@dataclass(frozen=True)
class MailSettings:
    """How messages leave the portal ([mail] in default.toml; the password from the env)."""

    transport: str
    host: str
    port: int
    starttls: bool
    tls_ca_file: str
    username: str
    password: str
    from_address: str
    timeout_seconds: int
    base_url: str
    retry_minutes: int
    retry_max_minutes: int


MAIL_TRANSPORTS = ("files", "smtp")


def mail_settings(settings: dict[str, Any]) -> MailSettings:
    """The [mail] settings, checked; ConfigurationError saying what to change."""
    raw = settings.get("mail")
    if not isinstance(raw, dict):
        raise ConfigurationError("[mail] must be a table of settings")
    raw = {"password": "", **raw}
    fields = MailSettings.__dataclass_fields__
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigurationError(f"mail: unknown setting {unknown[0]!r}")
    missing = sorted(set(fields) - set(raw))
    if missing:
        raise ConfigurationError(f"mail.{missing[0]}: missing")
    if raw["transport"] not in MAIL_TRANSPORTS:
        raise ConfigurationError(f'mail.transport: "files" or "smtp", not {raw["transport"]!r}')
    for name in ("port", "timeout_seconds", "retry_minutes", "retry_max_minutes"):
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(f"mail.{name}: a whole number of 1 or more, not {value!r}")
    if not isinstance(raw["starttls"], bool):
        raise ConfigurationError(f"mail.starttls: write true or false, not {raw['starttls']!r}")
    base_url = raw["base_url"]
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"mail.base_url: an address starting http:// or https://, not {base_url!r}"
        )
    if "@" not in str(raw["from_address"]):
        raise ConfigurationError(
            f"mail.from_address: an e-mail address, not {raw['from_address']!r}"
        )
    values = {name: raw[name] for name in fields}
    values["base_url"] = base_url.rstrip("/")
    return MailSettings(**values)


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
