"""E-mail pages: a person's choice of what they receive; and, in development, the mail written.

``/dev/mail`` exists only when the portal runs in development (``env = "development"``, as
``make run`` does) or in debug: the file transport writes each message to instance/mail/, and
this page lists them so one can see what would have been sent.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.mail import outbox, preferences
from portal.mail.forms import MailPreferencesForm, field_name
from portal.mail.transport import mail_folder
from portal.models import User
from portal.policy import Permission, requires
from portal.unit_of_work import ValidationFailed

bp = Blueprint("mail", __name__)
dev_bp = Blueprint("dev_mail", __name__, url_prefix="/dev")
#: The most messages /dev/mail lists (newest first).
DEV_LIST = 100


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.route("/account/email", methods=["GET", "POST"])
@requires(Permission.BROWSE)
def preferences_page() -> ResponseReturnValue:
    """Which messages I receive, each at once, in a daily digest, or not at all."""
    user = _me()
    kinds = preferences.kinds_for(user)
    form = MailPreferencesForm()
    if form.validate_on_submit():
        try:
            changed = preferences.set_choices(user, form.as_data(kinds))
        except ValidationFailed as exc:
            form.show_kind_errors(exc.errors)
        else:
            flash("Your e-mail choices are saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("mail.preferences_page"))
    elif not form.is_submitted():
        form.fill(preferences.choices_of(user))
    status = 400 if form.errors else 200
    fields = [form[field_name(kind)] for kind in kinds]
    return render_template("mail/preferences.html", form=form, fields=fields), status


def _read(path: Any) -> dict[str, Any]:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = message.get_body(preferencelist=("plain",))
    return {
        "name": path.name,
        "to": message["To"],
        "subject": message["Subject"],
        "date": message["Date"],
        "body": body.get_content() if body is not None else "",
        "attachments": [part.get_filename() for part in message.iter_attachments()],
    }


@dev_bp.route("/mail")
@requires(Permission.BROWSE)
def dev_outbox() -> ResponseReturnValue:
    """The messages the file transport wrote to instance/mail/, newest first (development)."""
    folder = mail_folder(current_app.instance_path)
    paths = sorted(folder.glob("*.eml"), reverse=True)[:DEV_LIST] if folder.is_dir() else []
    return render_template(
        "mail/dev_outbox.html",
        messages=[_read(p) for p in paths],
        waiting=outbox.waiting_count(),
    )


@dev_bp.route("/mail/send", methods=["POST"])
@requires(Permission.BROWSE)
def dev_send_due() -> ResponseReturnValue:
    """Run the delivery job now, as a worker would (development)."""
    report = outbox.deliver_due()
    flash(str(report), "success")
    return redirect(url_for("dev_mail.dev_outbox"))
