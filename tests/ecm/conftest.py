"""Fixtures for ECM tests: the command line and the small hand-checked files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo

from portal.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture
def portal(app: Flask) -> Callable[..., Result]:
    """portal(*args) -> the click result of running the command."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))

    return run
