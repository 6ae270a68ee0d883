"""Logging from a provider's page, the marking help, and TLP:RED recipients chosen by person."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import IntelligenceItem, Marking, Role
from portal.policy import MARKING_AUDIENCE, MARKING_SHARING_RULE
from tests import factories
from tests.conftest import csrf_token_from
from tests.intelligence.helpers import form_fields
from tests.intelligence.test_logging import post_form


def count_items() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IntelligenceItem))


def option_tag(html: str, value: int) -> str:
    """The <option> of the recipients select for this user id ("" when it is not offered)."""
    select = re.search(r'<select[^>]*name="recipients".*?</select>', html, re.S)
    assert select, "the form has no recipients select"
    found = re.search(rf'<option value="{value}"[^>]*>[^<]*</option>', select.group(0))
    return found.group(0) if found else ""


def conditional(html: str, radio_id: str) -> str:
    """The opening tag and content of the conditional reveal controlled by a radio."""
    radio = re.search(rf'<input[^>]*id="{radio_id}"[^>]*>', html)
    assert radio and f'aria-controls="conditional-{radio_id}"' in radio.group(0)
    panel = re.search(
        rf'<div class="govuk-radios__conditional[^"]*" id="conditional-{radio_id}">', html
    )
    assert panel, f"no conditional reveal for {radio_id}"
    return html[panel.start() : panel.start() + 6000]


def test_a_provider_page_has_a_button_that_logs_intelligence_about_it(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider(name="Cedar Lodge Care Home")
    db.session.commit()
    page = client.get(f"/providers/{provider.id}").text
    button = re.search(
        r'<a href="([^"]+)" role="button"[^>]*class="govuk-button"[^>]*>([^<]+)</a>', page
    )
    assert button and button.group(2) == "Log intelligence about this provider"
    assert button.group(1) == f"/intelligence/new?provider_id={provider.id}"
    form = client.get(button.group(1).replace("&amp;", "&")).text
    assert "About <strong>Cedar Lodge Care Home</strong>" in form
    assert f'name="provider_id" type="hidden" value="{provider.id}"' in form


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN])
def test_people_who_cannot_log_see_no_button(client, login_as, role):
    login_as(role)
    provider = factories.provider()
    db.session.commit()
    assert (
        "Log intelligence about this provider" not in client.get(f"/providers/{provider.id}").text
    )


def test_each_marking_says_what_readers_may_pass_on_and_who_reads_it_in_the_portal(
    client, login_as
):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    form = client.get(f"/intelligence/new?provider_id={provider.id}").text
    hints = dict(
        re.findall(
            r'id="(marking(?:-\d)?)-item-hint" class="govuk-hint govuk-radios__hint">(.*?)</div>',
            form,
            re.S,
        )
    )
    texts = [re.sub(r"<[^>]+>", " ", hints[k]) for k in sorted(hints, key=len)]
    by_marking = dict(zip(Marking, [" ".join(t.split()) for t in texts], strict=True))
    for marking, hint in by_marking.items():
        plain = hint.replace("&#39;", "'").replace("&amp;", "&")
        assert MARKING_SHARING_RULE[marking] in plain and MARKING_AUDIENCE[marking] in plain
    # FIRST's TLP 2.0: CLEAR is public, GREEN stays in the community, AMBER is need-to-know
    # within the organisation and its clients, AMBER+STRICT the organisation only, RED the
    # named recipients only. CLEAR and GREEN reach the same readers in the portal, so their
    # hints differ in the rule for readers.
    assert "shared publicly" in by_marking[Marking.CLEAR]
    assert "not publicly" in by_marking[Marking.GREEN]
    assert "members of their own organisation and its clients" in by_marking[Marking.AMBER]
    assert "only within their own organisation" in by_marking[Marking.AMBER_STRICT]
    assert "individual recipients only: no further disclosure" in by_marking[Marking.RED]
    assert by_marking[Marking.CLEAR] != by_marking[Marking.GREEN]


def test_an_item_page_gives_the_sharing_rule_of_its_marking(client, login_as):
    author = login_as(Role.MEMBER)
    item = factories.item(author, Marking.AMBER_STRICT)
    db.session.commit()
    page = client.get(f"/intelligence/{item.id}").text
    assert MARKING_SHARING_RULE[Marking.AMBER_STRICT] in page


def test_recipients_and_conditions_are_revealed_under_the_choice_they_belong_to(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    form = client.get(f"/intelligence/new?provider_id={provider.id}").text
    # RED is the fifth marking, C the second handling code. Without JavaScript the panels are
    # shown (GOV.UK Frontend hides --hidden panels only once its script runs).
    red = conditional(form, "marking-5")
    assert red.startswith(
        '<div class="govuk-radios__conditional govuk-radios__conditional--hidden"'
    )
    assert 'name="recipients"' in red
    code_c = conditional(form, "handling_code-2")
    assert 'name="handling_conditions"' in code_c
    assert form.count('name="recipients"') == 1 and form.count('name="handling_conditions"') == 1
    # Sent back with RED and C chosen, their panels are open.
    again = post_form(client, provider.id, title="", marking="RED", handling_code="C").text
    assert conditional(again, "marking-5").startswith('<div class="govuk-radios__conditional" id=')
    assert conditional(again, "handling_code-2").startswith(
        '<div class="govuk-radios__conditional" id='
    )


def test_recipients_are_chosen_from_active_people_by_name_and_agency(client, login_as):
    author = login_as(Role.MEMBER)
    police = factories.agency("MPS", name="Metropolitan Police Service")
    pat = factories.user(Role.MEMBER, police, name="Pat Okafor")
    viewer = factories.user(Role.VIEWER, factories.agency("HW", name="Healthwatch Merton"))
    gone = factories.user(Role.MEMBER, police, name="Sam Gone", active=False)
    closed = factories.agency("OLD", name="Closed agency", active=False)
    in_closed = factories.user(Role.MEMBER, closed, name="Lee Closed")
    provider = factories.provider()
    db.session.commit()
    form = client.get(f"/intelligence/new?provider_id={provider.id}").text
    assert '<optgroup label="Metropolitan Police Service">' in form
    assert ">Pat Okafor</option>" in option_tag(form, pat.id)
    assert option_tag(form, viewer.id)
    for nobody in (gone, in_closed, author):
        assert option_tag(form, nobody.id) == ""
    saved = post_form(
        client, provider.id, marking="RED", recipients=[str(pat.id), str(author.id), str(pat.id)]
    )
    assert saved.status_code == 302
    item = db.session.scalar(sa.select(IntelligenceItem))
    assert item.recipient_ids == {pat.id}  # the author reads it anyway
    edit = client.get(f"/intelligence/{item.id}/edit").text
    assert " selected>" in option_tag(edit, pat.id)


def test_a_recipient_who_is_nobody_or_cannot_sign_in_is_refused_and_the_form_kept(client, login_as):
    login_as(Role.MEMBER)
    police = factories.agency("MPS", name="Metropolitan Police Service")
    pat = factories.user(Role.MEMBER, police, name="Pat Okafor")
    gone = factories.user(Role.MEMBER, police, name="Sam Gone", active=False)
    provider = factories.provider()
    db.session.commit()
    refused = post_form(
        client,
        provider.id,
        title="Night staffing below safe levels",
        marking="RED",
        recipients=[str(pat.id), "2147483647", str(gone.id)],
    )
    assert refused.status_code == 200 and count_items() == 0
    text = refused.text.replace("&#39;", "'")
    assert "One of the recipients chosen is not one of the portal’s people" in text
    assert (
        "Sam Gone (Metropolitan Police Service) can no longer sign in to the portal, "
        "so cannot be recipients: remove them"
    ) in text
    assert '<a href="#recipients">' in refused.text  # the error summary links to the field
    # The rest of the form is kept: the title, the marking and the person still chosen; the
    # person who can no longer sign in is shown, chosen, so that they can be taken off.
    assert 'value="Night staffing below safe levels"' in refused.text
    assert " selected>" in option_tag(refused.text, pat.id)
    assert "Sam Gone (can no longer sign in)" in option_tag(refused.text, gone.id)
    assert conditional(refused.text, "marking-5").startswith(
        '<div class="govuk-radios__conditional" id='
    )


@pytest.mark.parametrize(
    "sent",
    [["abc"], ["0"], ["-3"], ["99999999999999999999"], ["1.5"], ["<script>alert(1)</script>"]],
)
def test_a_recipient_that_is_not_an_id_is_refused_plainly(client, login_as, sent):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    refused = post_form(client, provider.id, marking="RED", recipients=sent)
    assert refused.status_code == 200 and count_items() == 0
    assert "Choose the recipients from the list of the portal’s people" in refused.text
    assert "<script>alert" not in refused.text


def test_too_many_recipients_are_refused(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    people = [factories.user(Role.MEMBER) for _ in range(51)]
    db.session.commit()
    refused = post_form(client, provider.id, marking="RED", recipients=[str(p.id) for p in people])
    assert "Choose up to 50 recipients" in refused.text and count_items() == 0


def test_the_api_still_names_recipients_by_e_mail(client, login_as):
    from tests.conftest import api_token_for
    from tests.intelligence.helpers import api_fields

    member = login_as(Role.MEMBER)
    pat = factories.user(Role.MEMBER, factories.agency("MPS"), email="pat@police.example")
    provider = factories.provider()
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token_for(member)}"}
    by_id = client.post(
        "/api/v1/intelligence",
        json=api_fields(provider.id, marking="RED", recipients=[pat.id]),
        headers=headers,
    )
    assert by_id.status_code == 422
    assert by_id.json["errors"]["recipients"] == "Recipients must be a list of e-mail addresses"
    by_email = client.post(
        "/api/v1/intelligence",
        json=api_fields(provider.id, marking="RED", recipients=["Pat@Police.example"]),
        headers=headers,
    )
    assert by_email.status_code == 201 and by_email.json["recipients"] == ["pat@police.example"]


def test_an_edit_whose_recipient_has_left_says_so(client, login_as):
    author = login_as(Role.MEMBER)
    pat = factories.user(Role.MEMBER, factories.agency("MPS"), name="Pat Okafor")
    item = factories.item(author, Marking.RED, recipients=[pat])
    pat.active = False
    db.session.commit()
    page = client.get(f"/intelligence/{item.id}/edit")
    assert "Pat Okafor (can no longer sign in)" in option_tag(page.text, pat.id)
    fields = form_fields(item.provider_id, marking="RED", recipients=[str(pat.id)])
    fields["csrf_token"] = csrf_token_from(page.text)
    refused = client.post(f"/intelligence/{item.id}/edit", data=fields)
    assert "can no longer sign in to the portal" in refused.text
    fields["recipients"] = []
    saved = client.post(f"/intelligence/{item.id}/edit", data=fields)
    assert saved.status_code == 302
    db.session.refresh(item)
    assert item.recipient_ids == set()
