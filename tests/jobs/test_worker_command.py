"""`portal worker`: a queue it cannot work is refused with one clear line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo

from portal.cli import main
from portal.jobs.queue import EXTENSION


@pytest.mark.parametrize(
    ("queue_url", "message"),
    [
        ("immediate", "jobs run where they start, so there is no queue to work"),
        ("ftp://queue.example", "is not a queue this portal can use"),
        ("", "jobs run where they start"),  # the tests' default is immediate
    ],
)
def test_a_worker_refuses_a_queue_it_cannot_work(app: Flask, queue_url: str, message: str):
    app.config["PORTAL"]["queue_url"] = queue_url
    app.extensions.pop(EXTENSION, None)
    result = CliRunner().invoke(main, ["worker"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_worker_threads_must_be_a_sensible_number(app: Flask):
    result = CliRunner().invoke(
        main, ["worker", "--workers", "0"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 2 and "--workers" in result.output
