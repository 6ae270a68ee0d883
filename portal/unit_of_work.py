"""One unit of work per request, and the one exception for refused input.

Services change the session and never commit. A page or an API call that changed something
commits once, here, when it has answered without an exception, whatever its status (a request
that only read ends without a commit, as it always did): a failed sign-in (a 200 page), a
lockout, a refused single sign-on (a 400 page) and a read that is audited all save their audit
events, exactly as when each view committed them itself. An exception raised by a view, an
``abort()`` included, rolls back everything the request changed; the error handlers then
answer, and what they answer saves nothing.

Refused input is ``ValidationFailed(errors)``, one message per field. A service raises it before
it changes the session (or after rolling its own change back), so a refused form saves nothing
of its own: a page shows the messages beside the fields (``ServiceCheckedForm.show_errors``),
and the API answers 422 ``{"errors": ...}`` through one handler (``portal.errors``). It is an
answer, not a failure, so the request still commits what it did before (an API token's last
use, as before).

Outside a request, each CLI command (``portal/cli.py``) and the demo loader commit for
themselves. The CQC and ECM imports commit batch by batch, from the command or the upload page
alike, so memory stays flat and a refused batch does not undo the ones written before it.
tests/test_unit_of_work.py lists every place that may commit, and why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from portal.extensions import db
from portal.jobs.queue import run_committed

#: Set on a session's info when its transaction has written (a flush, or a statement that is
#: not a SELECT); cleared when the transaction ends.
WROTE = "unit_of_work_wrote"


class ValidationFailed(ValueError):
    """Input a service refuses; `errors` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors: dict[str, str] = dict(errors)


def commit_refused_sign_in() -> None:
    """Commit at once a refused sign-in's audit event and the lockout counter it moved.

    The one commit in the middle of a request, on purpose: an attempt that was counted stays
    counted even if answering the page then fails, so an error cannot undo a lockout.
    """
    db.session.commit()


def commit_refused_access() -> None:
    """Commit at once the audit event of a refused request (``portal.refusals``).

    A view that raised was rolled back before its error handler records the refusal, so this
    commits the event alone; committed here, an error answering the page cannot undo it.
    """
    db.session.commit()


def _rolled_back_on_exception(view: Callable[..., Any]) -> Callable[..., Any]:
    """The view, rolling back the session when it raises (the exception goes on to its handler)."""

    @wraps(view)
    def in_unit_of_work(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ValidationFailed:
            raise  # an answer (422), not a failure: its service changed nothing
        except BaseException:
            db.session.rollback()
            raise

    return in_unit_of_work


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def has_changes() -> bool:
    """Whether the session holds anything to commit (pending objects or a written transaction)."""
    session = db.session
    return bool(session.new or session.dirty or session.deleted or session.info.get(WROTE))


def _commit(response: Response) -> Response:
    """Commit what the request changed; a request that only read ends as it always did.

    A job the request started is queued by that commit (portal.jobs.queue); with the
    immediate queue (the tests') it then runs here, once the request's work is saved.
    """
    if not has_changes():
        return response
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()  # the 500 page is answered on a clean session
        raise
    run_committed()
    return response


def register(app: Flask) -> None:
    """Wrap every view registered so far and commit after each answer.

    Call it after the blueprints are registered. ``wraps`` keeps each view's attributes, so the
    access each route declared is still read from ``app.view_functions``.
    """
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = _rolled_back_on_exception(view)
    app.after_request(_commit)
