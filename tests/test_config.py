"""Configuration: files, PORTAL_ environment overrides, and a production start without a key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import ConfigurationError, create_app
from portal.config import labels, load_settings, normalise_database_url, taxonomy


def test_environment_variables_override_the_file(monkeypatch):
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "50")
    monkeypatch.setenv("PORTAL_SESSION_COOKIE_SECURE", "true")
    settings = load_settings()
    assert settings["page_size"] == 50
    assert settings["session_cookie_secure"] is True


def test_a_malformed_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "lots")
    with pytest.raises(ConfigurationError, match="PORTAL_PAGE_SIZE"):
        load_settings()


@pytest.mark.parametrize("value", ["two", "2.5", ""])
def test_the_build_processes_must_be_a_whole_number(monkeypatch, value):
    monkeypatch.setenv("PORTAL_SEARCH_BUILD_PROCESSES", value)
    with pytest.raises(ConfigurationError, match="PORTAL_SEARCH_BUILD_PROCESSES"):
        load_settings()


def test_production_without_a_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="PORTAL_SECRET_KEY is not set"):
        create_app({"env": "production", "instance_path": str(tmp_path)})


def test_production_with_a_secret_key_starts(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 64)
    app = create_app(
        {"env": "production", "instance_path": str(tmp_path), "database_url": "sqlite://"}
    )
    assert app.config["SECRET_KEY"] == "x" * 64


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", "import portal.wsgi"],
        [os.path.join(os.path.dirname(sys.executable), "portal"), "routes"],
    ],
    ids=["gunicorn entry point", "portal command"],
)
def test_the_refusal_is_one_clear_line(command: list[str], tmp_path: Path) -> None:
    lines = refusal(command, {}, tmp_path)
    assert len(lines) == 1, lines
    assert "PORTAL_SECRET_KEY" in lines[0]


def test_bad_risk_bands_stop_the_gunicorn_entry_point_with_one_clear_line(tmp_path: Path) -> None:
    # With a key, so the thresholds are the only thing wrong.
    settings = {"PORTAL_SECRET_KEY": "x" * 64, "PORTAL_RISK_BANDS": "x"}
    lines = refusal([sys.executable, "-c", "import portal.wsgi"], settings, tmp_path)
    assert lines == [
        "portal: refusing to start: risk_bands: write it like moderate=4, high=8, extreme=15, "
        "not 'x'"
    ]


def refusal(command: list[str], settings: dict[str, str], tmp_path: Path) -> list[str]:
    """The lines on stderr of a start-up in production that must fail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env |= {"PORTAL_ENV": "production", "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = subprocess.run(command, env=env | settings, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    return result.stderr.strip().splitlines()


def test_a_test_app_without_a_database_fails_loudly():
    with pytest.raises(ConfigurationError, match="database_url"):
        create_app({"env": "test"})


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(ConfigurationError, match="PORTAL_ENV"):
        load_settings({"env": "staging"})


def test_plain_postgresql_urls_use_psycopg_3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_the_taxonomy_names_the_five_key_questions_and_the_themes():
    assert [q["code"] for q in taxonomy()["key_questions"]] == [
        "safe",
        "effective",
        "caring",
        "responsive",
        "well-led",
    ]
    themes = labels("themes")
    for code in (
        "medication",
        "staffing",
        "safeguarding",
        "falls",
        "infection-control",
        "nutrition",
        "complaints",
        "finance",
        "missed-visits",
        "environment",
        "leadership",
    ):
        assert code in themes
    assert len(labels("concern_stages")) == 6
