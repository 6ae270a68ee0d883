"""HTML and script typed into an item are shown as text everywhere, and never run."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import IntelligenceItem, Role
from tests import factories
from tests.conftest import api_token_for, csrf_token_from
from tests.intelligence.helpers import api_fields, form_fields

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
# What the payloads become once escaped for HTML (Jinja writes " as &#34;).
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;")


def assert_inert(html: str, where: str) -> None:
    """No payload survives as markup; each is there as text."""
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where
    for escaped in ESCAPED:
        assert escaped in html, f"{where}: {escaped} missing"


@pytest.fixture
def hostile_item(client, login_as):
    """An item whose every free-text field, edit reason and file name carry both payloads."""
    author = login_as(Role.MEMBER)
    provider = factories.provider(name=f"Care Home {IMAGE}")
    db.session.commit()
    page = client.get(f"/intelligence/new?provider_id={provider.id}")
    text = f"{SCRIPT} {IMAGE}"
    fields = form_fields(
        provider.id,
        title=text,
        body=f"{text}\n\nsecond {text}",
        handling_code="C",
        handling_conditions=text,
    )
    fields["csrf_token"] = csrf_token_from(page.text)
    # As a browser sends it: the double quote encoded as %22 (HTML's multipart encoding).
    fields["attachments"] = [(io.BytesIO(b"plain notes"), f"{IMAGE}.txt".replace('"', "%22"))]
    response = client.post("/intelligence/new", data=fields, content_type="multipart/form-data")
    assert response.status_code == 302
    item = db.session.scalar(sa.select(IntelligenceItem))
    edit = client.get(f"/intelligence/{item.id}/edit")
    fields = form_fields(
        provider.id,
        title=text,
        body=f"{text} edited",
        handling_code="C",
        handling_conditions=text,
        reason=text,
        csrf_token=csrf_token_from(edit.text),
    )
    assert client.post(f"/intelligence/{item.id}/edit", data=fields).status_code == 302
    return author, item


def test_payloads_are_text_on_every_page_that_shows_the_item(app, client, hostile_item):
    _, item = hostile_item
    pages = {
        "item page": f"/intelligence/{item.id}",
        "first revision": f"/intelligence/{item.id}/revisions/1",
        "current revision": f"/intelligence/{item.id}/revisions/2",
        "items I can read": "/intelligence",
        "my agency's items": "/intelligence/mine",
        "home page": "/",
        "edit form": f"/intelligence/{item.id}/edit",
    }
    if "providers.view_provider" in app.view_functions:
        pages["provider page"] = f"/providers/{item.provider_id}"
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_inert(response.text, where)


def test_a_hostile_file_name_is_text_on_the_item_page_and_safe_in_the_download(
    client, hostile_item
):
    _, item = hostile_item
    html = client.get(f"/intelligence/{item.id}").text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;.txt</a>" in html
    attachment = item.attachments[0]
    response = client.get(f"/intelligence/{item.id}/attachments/{attachment.id}")
    disposition = response.headers["Content-Disposition"]
    assert "<" not in disposition and "\n" not in disposition
    assert "filename*=UTF-8''%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt" in disposition


def test_a_withdrawal_reason_is_text_too(client, hostile_item):
    _, item = hostile_item
    page = client.get(f"/intelligence/{item.id}/withdraw")
    client.post(
        f"/intelligence/{item.id}/withdraw",
        data={"csrf_token": csrf_token_from(page.text), "reason": f"{SCRIPT} {IMAGE}"},
    )
    assert_inert(client.get(f"/intelligence/{item.id}").text, "withdrawn item page")
    assert_inert(client.get(f"/intelligence/{item.id}/revisions/3").text, "withdrawal revision")


def test_the_form_shown_again_with_errors_keeps_payloads_as_text(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    page = client.get(f"/intelligence/new?provider_id={provider.id}")
    fields = form_fields(
        provider.id,
        title="",
        body=f"{SCRIPT} {IMAGE}",
        handling_conditions=f"{SCRIPT} {IMAGE}",
        recipients=f"{SCRIPT} {IMAGE}",
        marking="RED",
        csrf_token=csrf_token_from(page.text),
    )
    response = client.post("/intelligence/new", data=fields)
    assert "Enter a title" in response.text
    assert "<script>alert" not in response.text and "<img src=x" not in response.text


def test_the_api_gives_payloads_back_verbatim_as_json_strings(client, login_as):
    member = login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    client.delete_cookie("session")
    headers = {"Authorization": f"Bearer {api_token_for(member)}"}
    text = f"{SCRIPT} {IMAGE}"
    created = client.post(
        "/api/v1/intelligence",
        json=api_fields(
            provider.id, title=text, body=text, handling_code="C", handling_conditions=text
        ),
        headers=headers,
    )
    assert created.status_code == 201
    response = client.get(f"/api/v1/intelligence/{created.get_json()['id']}", headers=headers)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_json()
    assert body["title"] == body["body"] == body["handling_conditions"] == text
    # A bad field's message that echoes input is JSON too, never markup.
    refused = client.post(
        "/api/v1/intelligence", json=api_fields(provider.id, themes=[SCRIPT]), headers=headers
    )
    assert refused.mimetype == "application/json"
    assert SCRIPT in refused.get_json()["errors"]["themes"]
