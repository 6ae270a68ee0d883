"""The `portal` command line: Flask's own commands plus the portal's."""

from __future__ import annotations

import sys
from datetime import date, datetime

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from portal import ConfigurationError, audit, create_app
from portal.admin import audit_trail
from portal.auth import services as accounts
from portal.extensions import db


def _fail(message: str) -> None:
    """Print a clear message on stderr and exit non-zero."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _create_app() -> Flask:
    """The app for a command; a settings problem is one line, not a traceback."""
    try:
        return create_app()
    except ConfigurationError as exc:
        click.echo(f"portal: refusing to start: {exc}", err=True)
        sys.exit(1)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Care Provider Intelligence Portal."""


@main.command("demo")
@click.option("--no-migrate", is_flag=True, help="Skip bringing the database schema up to date.")
@with_appcontext
def demo_command(no_migrate: bool) -> None:
    """Migrate and load the demo data (idempotent); print the demo sign-ins."""
    from flask import current_app
    from flask_migrate import upgrade

    from portal.demo import DEMO_PASSWORD, load_demo

    if current_app.config["ENV_NAME"] == "production":
        _fail("the demo data set is not loaded in production (PORTAL_ENV=production).")
    if not no_migrate:
        upgrade()
    report = load_demo()
    click.echo(report.summary())
    click.echo("")
    click.echo(f"Demo sign-ins (password for every account: {DEMO_PASSWORD}):")
    for user in report.sign_ins:
        click.echo(f"  {user.email:<40} {user.role:<7} {user.agency.code:<10} {user.name}")
    if current_app.config["ENV_NAME"] == "development":
        from portal.auth.second_factor import enrol_demo_accounts

        secret = enrol_demo_accounts(report.sign_ins)
        db.session.commit()
        click.echo("")
        click.echo(f"Second factor for every demo account: the TOTP secret {secret}")
        click.echo("(add it to an authenticator app, or print the current code with")
        click.echo(f"  .venv/bin/python -c 'import pyotp; print(pyotp.TOTP(\"{secret}\").now())')")


@main.group("agencies")
def agencies_group() -> None:
    """Partner agencies."""


@agencies_group.command("create")
@click.option("--code", required=True, help="Short code, like MERTON.")
@click.option("--name", required=True, help="Full name.")
@click.option("--kind", required=True, help="council, cqc, nhs, police, healthwatch or other.")
@with_appcontext
def agencies_create(code: str, name: str, kind: str) -> None:
    """Add an agency."""
    try:
        agency = accounts.create_agency(code, name, kind, via="cli")
    except accounts.AccountError as exc:
        db.session.rollback()
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Created agency {agency.code}: {agency.name} ({agency.kind})")


@main.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--agency", "agency_code", required=True, help="The agency's code.")
@click.option("--role", required=True, help="viewer, member, chair or admin.")
@click.option("--password", default=None, help="Prompted for when not given.")
@with_appcontext
def users_create(email: str, name: str, agency_code: str, role: str, password: str | None) -> None:
    """Add a user (prompts for the password when not given)."""
    if password is None:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(email, name, agency_code, role, password, via="cli")
    except accounts.AccountError as exc:
        db.session.rollback()
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Created user {user.email} ({user.role}, {user.agency.code})")


@main.group("tokens")
def tokens_group() -> None:
    """API tokens."""


@tokens_group.command("create")
@click.option("--email", required=True, help="Whose token.")
@click.option("--name", default="", help="A label to tell tokens apart.")
@with_appcontext
def tokens_create(email: str, name: str) -> None:
    """Print a new API token for that user, alone on stdout."""
    try:
        issued = accounts.create_api_token(email, name, via="cli")
    except accounts.AccountError as exc:
        db.session.rollback()
        _fail(exc.message)
    db.session.commit()
    click.echo(issued.token)


@main.group("providers")
def providers_group() -> None:
    """The provider register."""


@providers_group.command("import-cqc")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@with_appcontext
def providers_import_cqc(file: str) -> None:
    """Import or update providers from CQC's published CSV; print counts and each skipped row."""
    from portal.providers.importer import ImportFailed, import_cqc_file

    try:
        report = import_cqc_file(file)
    except ImportFailed as exc:
        db.session.rollback()
        _fail(exc.message)
    click.echo(report.summary())
    for skipped in report.skipped_rows:
        click.echo(f"line {skipped.line}: {skipped.reason}")


@main.group("search")
def search_group() -> None:
    """The search index."""


@search_group.command("reindex")
@with_appcontext
def search_reindex() -> None:
    """Rebuild the index from the database (Whoosh: beside the old one, then swap)."""
    import time

    from portal.search.engine import get_engine

    engine = get_engine()
    started = time.perf_counter()
    count = engine.reindex()
    seconds = time.perf_counter() - started
    if engine.name == "postgres":
        click.echo(f"PostgreSQL keeps its own search index: {count} records searchable.")
    else:
        click.echo(f"Rebuilt the search index: {count} documents in {seconds:.1f} s.")


@main.group("ecm")
def ecm_group() -> None:
    """Electronic care monitoring (ECM) visit logs."""


@ecm_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--mapping", default="portal", show_default=True, help="The supplier's layout.")
@click.option("--agency", "agency_code", required=True, help="The importing agency's code.")
@click.option(
    "--marking", default="AMBER", show_default=True, help="CLEAR, GREEN, AMBER or AMBER+STRICT."
)
@click.option("--author", default=None, help="E-mail of the user to raise threshold items as.")
@with_appcontext
def ecm_import(file: str, mapping: str, agency_code: str, marking: str, author: str | None) -> None:
    """Import an ECM visit log; print "Imported N, updated N, skipped N" and each bad row."""
    from portal.ecm.importer import EcmImportFailed, import_ecm_file
    from portal.ecm.services import ImportOptionsError, import_options

    try:
        options = import_options(mapping, agency_code, marking, author)
    except ImportOptionsError as exc:
        _fail(exc.message)
    try:
        report = import_ecm_file(
            file, options.mapping, options.agency, options.marking, user=options.user
        )
    except EcmImportFailed as exc:
        db.session.rollback()
        _fail(exc.message)
    click.echo(report.summary())
    for skipped in sorted(report.skipped_rows, key=lambda row: row.line):
        click.echo(f"line {skipped.line}: {skipped.reason}")
    if report.alert_note:
        click.echo(report.alert_note, err=True)


@main.group("audit")
def audit_group() -> None:
    """The audit trail."""


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@audit_group.command("export")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day (UTC).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Write the CSV to this file instead of stdout.",
)
@with_appcontext
def audit_export(date_from: datetime | None, date_to: datetime | None, output: str | None) -> None:
    """The complete audit record as CSV with every event's details (itself an audit event)."""
    filters = audit_trail.AuditFilters(date_from=_day(date_from), date_to=_day(date_to))
    audit.record(
        "audit-exported",
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
        rows=audit_trail.count(filters),
        via="cli",
    )
    db.session.commit()
    if output is None:
        for line in audit_trail.complete_export_lines(filters):
            click.echo(line, nl=False)
        return
    with open(output, "w", encoding="utf-8", newline="") as handle:
        handle.writelines(audit_trail.complete_export_lines(filters))
    click.echo(f"Wrote the audit trail to {output}", err=True)


@main.group("mail")
def mail_group() -> None:
    """E-mail: send what the outbox holds, and the daily reminders and digests."""


@mail_group.command("send-due")
@with_appcontext
def mail_send_due() -> None:
    """Send every message due (SMTP or files, as [mail] transport says); failures wait and retry."""
    from portal.mail.outbox import deliver_due

    report = deliver_due()
    click.echo(str(report))
    if report.failed:
        sys.exit(1)


@mail_group.command("daily")
@with_appcontext
def mail_daily() -> None:
    """Add the day's overdue-action reminders and digests to the outbox (then run send-due)."""
    from portal.mail.daily import run_daily

    click.echo(str(run_daily()))


@main.command("worker")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Worker threads (queue_workers)."
)
@click.option(
    "--no-periodic", is_flag=True, help="Run no periodic tasks (another worker runs them)."
)
@with_appcontext
def worker_command(workers: int | None, no_periodic: bool) -> None:
    """Run a worker of the job queue until stopped (SIGTERM lets the jobs in hand finish)."""
    import logging

    from flask import current_app

    from portal.jobs import queue, services
    from portal.models import utcnow

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug proxy
    settings = app.config["PORTAL"]
    try:
        mode = queue.queue_mode(settings)
    except ValueError as exc:
        _fail(str(exc))
    if mode == "immediate":
        _fail("queue_url is 'immediate': jobs run where they start, so there is no queue to work.")
    # Jobs a killed worker left behind are queued again before this one starts taking jobs.
    services.requeue_lost_jobs(utcnow())
    db.session.commit()
    # The queue's own log (each job taken, and what failed) goes to stderr.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    count = workers or int(settings["queue_workers"])
    click.echo(f"portal worker: {count} thread(s) on the {mode} queue; Ctrl-C stops it", err=True)
    queue.run_worker(app, count, periodic=not no_periodic)
