"""The `portal` command line: agencies, users, tokens; clear errors and non-zero exits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.cli import ScriptInfo

from portal.auth.services import hash_token, user_for_token
from portal.cli import main
from portal.extensions import db
from portal.models import Agency, ApiToken, AuditEvent, User


@pytest.fixture
def portal(app):
    """portal(*args, input=None) -> the click result of running the command."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)

    return run


def test_an_administrator_adds_an_agency(portal):
    result = portal(
        "agencies",
        "create",
        "--code",
        "mps",
        "--name",
        "Metropolitan Police Service",
        "--kind",
        "police",
    )
    assert result.exit_code == 0, result.output
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    assert agency.name == "Metropolitan Police Service"
    assert db.session.scalar(sa.select(AuditEvent.action)) == "agency-created"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--code", "MPS", "--name", "Met", "--kind", "army"], "Agency kind must be one of"),
        (["--code", "m", "--name", "Met", "--kind", "police"], "Agency code must be"),
        (["--code", "MPS", "--name", " ", "--kind", "police"], "Enter the agency's name"),
    ],
)
def test_bad_agency_arguments_get_a_clear_message(portal, args, message):
    result = portal("agencies", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 0


def test_a_duplicate_agency_code_is_refused(portal):
    portal(
        "agencies", "create", "--code", "CQC", "--name", "Care Quality Commission", "--kind", "cqc"
    )
    result = portal("agencies", "create", "--code", "CQC", "--name", "Again", "--kind", "cqc")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_users_are_created_with_a_hashed_password(portal):
    portal(
        "agencies",
        "create",
        "--code",
        "MERTON",
        "--name",
        "London Borough of Merton",
        "--kind",
        "council",
    )
    result = portal(
        "users",
        "create",
        "--email",
        "Priya.Shah@Merton.gov.uk",
        "--name",
        "Priya Shah",
        "--agency",
        "merton",
        "--role",
        "chair",
        "--password",
        "a long enough passphrase",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "priya.shah@merton.gov.uk"
    assert user.role == "chair"
    assert user.password_hash.startswith("$argon2")
    assert "a long enough passphrase" not in user.password_hash


def test_the_password_is_prompted_for_when_not_given(portal):
    portal("agencies", "create", "--code", "MERTON", "--name", "Merton", "--kind", "council")
    result = portal(
        "users",
        "create",
        "--email",
        "a@merton.gov.uk",
        "--name",
        "A",
        "--agency",
        "MERTON",
        "--role",
        "member",
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.password_hash)).startswith("$argon2")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"--agency": "NOPE"}, "There is no agency with code NOPE"),
        ({"--role": "superuser"}, "Role must be one of"),
        ({"--email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"--password": "short"}, "at least 12 characters"),
    ],
)
def test_bad_user_arguments_get_a_clear_message(portal, overrides, message):
    portal("agencies", "create", "--code", "MERTON", "--name", "Merton", "--kind", "council")
    args = {
        "--email": "a@merton.gov.uk",
        "--name": "A",
        "--agency": "MERTON",
        "--role": "member",
        "--password": "a long enough passphrase",
    } | overrides
    result = portal("users", "create", *[x for pair in args.items() for x in pair])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_token_is_printed_alone_and_stored_only_as_a_hash(portal):
    portal("agencies", "create", "--code", "MERTON", "--name", "Merton", "--kind", "council")
    portal(
        "users",
        "create",
        "--email",
        "a@merton.gov.uk",
        "--name",
        "A",
        "--agency",
        "MERTON",
        "--role",
        "member",
        "--password",
        "a long enough passphrase",
    )
    result = portal("tokens", "create", "--email", "A@merton.gov.uk")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == hash_token(token)
    assert token not in stored.token_hash
    assert user_for_token(token).email == "a@merton.gov.uk"
    assert user_for_token(token + "x") is None


def test_a_token_for_an_unknown_user_is_refused(portal):
    result = portal("tokens", "create", "--email", "ghost@nowhere.gov.uk")
    assert result.exit_code != 0
    assert "There is no account with email ghost@nowhere.gov.uk" in result.output
