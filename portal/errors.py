"""Error pages: GOV.UK patterns for pages, JSON for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.inputs import DatabaseIdConverter, pairs_problems
from portal.refusals import record_refusal
from portal.unit_of_work import ValidationFailed

MESSAGES = {
    400: ("There is a problem with your request", "Go back, check what you entered and try again."),
    403: (
        "You do not have permission to see this page",
        "Ask your agency's administrator if you think you should.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you copied the entire address.",
    ),
    405: ("This action is not allowed", "Go back and try again from the page you were on."),
    413: ("The file is too large", "Go back and choose a smaller file."),
    429: ("Too many attempts", "Wait a minute, then try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you had already saved has been lost.",
    ),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, message: str | None = None) -> ResponseReturnValue:
    """The error page (or JSON body) for an HTTP status."""
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return jsonify({"error": title, "message": message or default_message}), code
    return (
        render_template(
            "errors/error.html", code=code, title=title, message=message or default_message
        ),
        code,
    )


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def refuse_unusable_input() -> ResponseReturnValue | None:
    """Before anything reads the request (CSRF included): no nameless part, NUL or bad text.

    The API answers 422 with a message per field; a page answers 400 with the reason.
    """
    problems = pairs_problems(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        problems |= pairs_problems(request.form.items(multi=True))
        problems |= pairs_problems((key, "") for key in request.files)
    if not problems:
        return None
    if _wants_json():
        return jsonify({"errors": problems}), 422
    return render_error(400, " ".join(sorted(set(problems.values()))) + ".")


def register_input_guard(app: Flask) -> None:
    """Ids in routes stay within a table's range (404 past it); unusable input is refused."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_unusable_input)


def register(app: Flask) -> None:
    """Attach the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            "The form had expired or was sent from elsewhere. Go back, reload the page and try again.",
        )

    @app.errorhandler(ValidationFailed)
    def refused_input(error: ValidationFailed) -> ResponseReturnValue:
        """Refused input no page caught: the API's 422 with a message per field."""
        if _wants_json():
            return jsonify({"errors": error.errors}), 422
        return render_error(400, " ".join(sorted(set(error.errors.values()))) + ".")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        """The error page; a 401, 403 or 404 on a route is a refusal, audited."""
        record_refusal(error.code or 500)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        app.logger.exception("unhandled error on %s", request.path)
        return render_error(500)
