"""The actions page, /meetings/actions: every action agreed at a meeting the user may read.

Its filter form lives here with it: a GET form whose every value is checked by
portal.meetings.action_list, which shows each refused value's message on its field.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import BooleanField, SelectField

from portal import clock
from portal.forms import ServiceCheckedForm
from portal.meetings import action_list
from portal.meetings.blueprint import bp
from portal.policy import Permission, requires
from portal.templating import govuk_date
from portal.views import page_number


class ActionFilterForm(ServiceCheckedForm):
    """The actions page's filters (a GET form: no CSRF token, every filter in the URL)."""

    class Meta:
        csrf = False

    owner = SelectField("Owner agency", choices=[], validate_choice=False)
    status = SelectField("Status", choices=[], validate_choice=False)
    overdue = BooleanField("Overdue only", false_values=("", "n", "no"))
    meeting = SelectField("Meeting", choices=[], validate_choice=False)
    provider = SelectField("Provider", choices=[], validate_choice=False)

    def show(self, choices: action_list.FilterChoices, filters: action_list.ActionFilters) -> None:
        """Offer the choices, select the filters as applied, and explain any value refused."""
        self.owner.choices = [("", "Any agency"), *((str(i), n) for i, n in choices.owners)]
        self.status.choices = list(action_list.STATUSES.items())
        self.meeting.choices = [
            ("", "Any meeting"),
            *((str(i), f"{govuk_date(held)}: {title}") for i, title, held in choices.meetings),
        ]
        self.provider.choices = [("", "Any provider"), *((str(i), n) for i, n in choices.providers)]
        self.owner.data = str(filters.owner_id or "")
        self.status.data = filters.status
        self.overdue.data = filters.overdue
        self.meeting.data = str(filters.meeting_id or "")
        self.provider.data = str(filters.provider_id or "")
        self.show_errors(filters.errors)


@bp.route("/actions")
@requires(Permission.ATTEND_MEETINGS)
def list_actions() -> ResponseReturnValue:
    """Actions across the meetings the user may read, overdue first, filtered and paged."""
    choices = action_list.filter_choices(current_user)
    filters = action_list.read_filters(request.args, choices)
    form = ActionFilterForm(formdata=None)
    form.show(choices, filters)
    per_page = int(current_app.config["PORTAL"]["page_size"])
    result = action_list.actions_page(
        current_user, filters, page_number(request.args), per_page, clock.today()
    )
    args = filters.query_args()
    return render_template(
        "meetings/actions.html",
        form=form,
        filters=filters,
        result=result,
        today=clock.today(),
        page_url=lambda n: url_for(".list_actions", page=n, **args),
        clear_url=url_for(".list_actions"),
    )
