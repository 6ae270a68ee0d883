"""The Care Provider Intelligence Portal: create_app() wires it together in named steps."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.config import (
    PROJECT_ROOT,
    ConfigurationError,
    load_settings,
    normalise_database_url,
)
from portal.extensions import csrf, db, limiter, login_manager, migrate

__all__ = ["ConfigurationError", "create_app"]


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application from config/, the environment and any overrides."""
    settings = load_settings(overrides)
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=settings.get("instance_path") or str(PROJECT_ROOT / "instance"),
    )
    configure(app, settings)
    register_input_guard(app)
    register_extensions(app)
    register_blueprints(app)
    register_unit_of_work(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    return app


def configure(app: Flask, settings: dict[str, Any]) -> None:
    """Turn the portal's settings into Flask's configuration."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["PORTAL"] = settings
    app.config["ENV_NAME"] = settings["env"]
    app.config["SECRET_KEY"] = secret_key(app, settings)
    database_url = settings["database_url"] or (
        "sqlite:///" + str(Path(app.instance_path) / "portal.db")
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(settings["session_cookie_secure"])
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        minutes=int(settings["session_lifetime_minutes"])
    )
    app.config["RATELIMIT_STORAGE_URI"] = settings["ratelimit_storage_uri"]
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config["MAX_CONTENT_LENGTH"] = (int(settings["attachment_max_mb"]) * 6 + 1) * 1024 * 1024
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the session lifetime bounds it
    if settings["env"] == "test":
        app.config["TESTING"] = True
        app.config["WTF_CSRF_ENABLED"] = bool(settings.get("csrf_enabled", True))
        app.config["RATELIMIT_ENABLED"] = bool(settings.get("ratelimit_enabled", False))
        if not settings["database_url"]:
            # A forgotten test database must fail loudly, never touch instance/.
            raise ConfigurationError("tests must pass database_url explicitly")


def secret_key(app: Flask, settings: dict[str, Any]) -> str:
    """The signing key: required in production, generated once per instance folder otherwise."""
    if settings["secret_key"]:
        return settings["secret_key"]
    if settings["env"] == "production":
        raise ConfigurationError(
            "PORTAL_SECRET_KEY is not set: production refuses to start without a secret key "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if settings["env"] == "test":
        return "test-secret-key-not-for-use-anywhere-else"
    # Development: a random key kept in instance/, so sessions survive restarts.
    key_file = Path(app.instance_path) / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys, and let readers and a writer work at once."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def register_input_guard(app: Flask) -> None:
    """Before every other hook (CSRF's included): refuse input nothing could use."""
    from portal.errors import register_input_guard

    register_input_guard(app)


def register_extensions(app: Flask) -> None:
    """Bind the extensions created in portal.extensions."""
    import portal.models  # noqa: F401  (every table on the metadata, for Alembic too)
    from portal.auth import sso
    from portal.search import changes

    changes.install()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    sso.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Register each area's blueprint, defined in its views module beside its routes."""
    from portal.admin.views import bp as admin_bp
    from portal.api.views import bp as api_bp
    from portal.auth.views import bp as auth_bp
    from portal.concerns.views import bp as concerns_bp
    from portal.ecm.views import bp as ecm_bp
    from portal.intelligence.views import bp as intelligence_bp
    from portal.jobs.views import bp as jobs_bp
    from portal.mail import tasks  # noqa: F401  (registers the mail jobs with the queue)
    from portal.mail.views import bp as mail_bp
    from portal.mail.views import dev_bp as dev_mail_bp
    from portal.main.views import bp as main_bp
    from portal.meetings.views import bp as meetings_bp
    from portal.providers.views import bp as providers_bp
    from portal.search.views import bp as search_bp
    from portal.visits.views import bp as visits_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(providers_bp)
    app.register_blueprint(intelligence_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(concerns_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(ecm_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(mail_bp)
    if app.config["ENV_NAME"] == "development" or app.debug:
        # /dev/mail lists the mail the file transport wrote: development only.
        app.register_blueprint(dev_mail_bp)
    app.register_blueprint(jobs_bp)
    # The API authenticates every call by bearer token, so cookies cannot be replayed.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)


def register_unit_of_work(app: Flask) -> None:
    """Each request commits once when it answers, or rolls back when its view raises."""
    from portal.unit_of_work import register

    register(app)


def register_error_handlers(app: Flask) -> None:
    """GOV.UK-style error pages for every HTTP error."""
    from portal.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and context shared by every template."""
    from portal.templating import register

    register(app)


def register_security_headers(app: Flask) -> None:
    """Security headers, set in one place for every response."""
    from portal.security import register

    register(app)
