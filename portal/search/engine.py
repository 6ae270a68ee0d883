"""The choice of search engine: the configured one, or the one the database implies."""

from __future__ import annotations

from flask import Flask, current_app

from portal.config import ConfigurationError
from portal.search.interface import SearchEngine
from portal.search.postgres_engine import PostgresEngine
from portal.search.whoosh_engine import WhooshEngine


def engine_name(app: Flask) -> str:
    """The configured engine, or the one the database implies."""
    configured = (app.config["PORTAL"].get("search_engine") or "").strip().lower()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if configured:
        if configured not in ("whoosh", "postgres"):
            raise ConfigurationError(
                f"PORTAL_SEARCH_ENGINE must be whoosh or postgres, not {configured!r}"
            )
        if configured == "postgres" and not uri.startswith("postgresql"):
            raise ConfigurationError(
                "PORTAL_SEARCH_ENGINE=postgres needs a PostgreSQL database (PORTAL_DATABASE_URL)"
            )
        return configured
    return "postgres" if uri.startswith("postgresql") else "whoosh"


def get_engine(app: Flask | None = None) -> SearchEngine:
    """The app's search engine (one per app and process)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # Flask's proxy is typed as the app, not as the proxy it is
    engine = app.extensions.get("portal_search")
    if engine is None:
        name = engine_name(app)
        engine = PostgresEngine() if name == "postgres" else WhooshEngine(app.instance_path)
        app.extensions["portal_search"] = engine
    return engine
