"""The README's promises: how to choose the port for `make run`, and the pictures it shows."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from portal.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_says_how_to_choose_the_port_and_make_run_honours_it() -> None:
    assert "make run PORT=8080" in README
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry_run = subprocess.run(  # noqa: S603 - a fixed command line
        ["make", "--dry-run", "--always-make", "run", "PORT=8080"],  # noqa: S607 - make on PATH
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert re.search(r"portal run --host \S+ --port 8080$", dry_run.stdout, re.MULTILINE)


def test_every_picture_the_readme_shows_is_there_the_dashboard_on_a_phone_too() -> None:
    shown = re.findall(r"(?:\]\(|src=\")(docs/screenshots/[^)\"]+)", README)
    assert {"docs/screenshots/home-phone.png", "docs/screenshots/pack-heatmap.png"} <= set(shown)
    missing = [path for path in shown if not (PROJECT_ROOT / path).is_file()]
    assert missing == []
