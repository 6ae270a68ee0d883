"""Logging intelligence through the web form: choose the provider, fill in, fix mistakes."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.models import (
    Attachment,
    AuditEvent,
    Blob,
    IntelligenceItem,
    IntelligenceRevision,
    Marking,
    Role,
)
from tests import factories
from tests.conftest import csrf_token_from
from tests.intelligence.helpers import PDF_BYTES, form_fields


def post_form(client, provider_id, files=(), **overrides):
    """Open the form for the provider, then send it with the overrides and files."""
    page = client.get(f"/intelligence/new?provider_id={provider_id}")
    data = form_fields(provider_id, **overrides) | {"csrf_token": csrf_token_from(page.text)}
    if files:
        data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/intelligence/new", data=data, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_member_finds_the_provider_by_name_then_sees_the_form(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider(name="Cedar Lodge Care Home", address="1 High Street")
    db.session.commit()
    step_one = client.get("/intelligence/new")
    assert "Which provider is it about?" in step_one.text
    found = client.get("/intelligence/new?q=cedar+lodge")
    assert f"/intelligence/new?provider_id={provider.id}" in found.text
    form = client.get(f"/intelligence/new?provider_id={provider.id}")
    assert "Cedar Lodge Care Home" in form.text
    assert "Date observed" in form.text
    # Each marking says what readers may pass on and who will be able to read it.
    assert "Only you and the people you name as recipients." in form.text
    assert "For the eyes and ears of the individual recipients only" in form.text
    # Likelihood and impact show their meanings from the taxonomy.
    assert "Almost certain: is happening or will happen again" in form.text


def test_a_search_that_finds_nothing_says_so(client, login_as):
    login_as(Role.MEMBER)
    page = client.get("/intelligence/new?q=zzzzqqq")
    assert "No provider matches" in page.text


def test_an_unknown_provider_id_goes_back_to_the_search(client, login_as):
    login_as(Role.MEMBER)
    page = client.get("/intelligence/new?provider_id=999999")
    assert "That provider was not found" in page.text


def test_logging_saves_the_item_its_first_revision_files_and_audit(client, login_as):
    author = login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    response = post_form(client, provider.id, files=[("visit.pdf", PDF_BYTES)])
    assert response.status_code == 302
    item = db.session.scalar(sa.select(IntelligenceItem))
    assert response.headers["Location"].endswith(f"/intelligence/{item.id}")
    assert item.author_id == author.id and item.source_agency_id == author.agency_id
    assert item.observed_on == date(2026, 10, 5)
    assert item.theme_codes == ["safeguarding", "staffing"]
    assert item.marking is Marking.AMBER and item.score == 12
    revision = db.session.scalar(sa.select(IntelligenceRevision))
    assert (revision.number, revision.content) == (1, item.snapshot())
    attachment = db.session.scalar(sa.select(Attachment))
    assert (attachment.filename, attachment.content_type) == ("visit.pdf", "application/pdf")
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "intelligence-logged")
    )
    assert event.object_id == str(item.id) and event.data["marking"] == "AMBER"
    page = client.get(response.headers["Location"])
    assert "Intelligence logged" in page.text  # the success banner


def test_mistakes_are_listed_and_everything_typed_is_kept(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    response = post_form(
        client,
        provider.id,
        title="",
        key_question="",
        handling_code="C",
        handling_conditions="",
        body="Kept <exactly> as typed",
        likelihood="",
    )
    assert response.status_code == 200
    assert count(IntelligenceItem) == 0
    html = response.text
    assert "There is a problem" in html
    for message in (
        "Enter a title",
        "Choose the key question it is about",
        "Enter the handling conditions (required with handling code C)",
        "Choose how likely it is",
    ):
        assert message in html
    assert '<a href="#title">Enter a title</a>' in html
    assert "Kept &lt;exactly&gt; as typed" in html
    assert 'value="B" checked' in html  # the intelligence assessment chosen stays chosen
    assert 'value="staffing" checked' in html
    assert html.count("Error:") >= 2  # the title and each field's own message


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter the date observed"),
        ("31", "2", "2026", "Date observed must be a real date"),
        ("5", "", "2026", "Date observed must include a month"),
        ("x", "1", "2026", "Date observed must be a real date"),
        ("1", "1", "26", "Date observed must be a real date"),
    ],
)
def test_the_date_observed_must_be_a_real_date(client, login_as, day, month, year, message):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    response = post_form(
        client, provider.id, observed_day=day, observed_month=month, observed_year=year
    )
    assert message in response.text
    assert '<a href="#observed_on">' in response.text
    assert count(IntelligenceItem) == 0


def test_the_date_observed_cannot_be_in_the_future(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    tomorrow = clock.today() + timedelta(days=1)
    response = post_form(
        client,
        provider.id,
        observed_day=str(tomorrow.day),
        observed_month=str(tomorrow.month),
        observed_year=str(tomorrow.year),
    )
    assert "Date observed must be today or in the past" in response.text
    today = clock.today()
    ok = post_form(
        client,
        provider.id,
        observed_day=str(today.day),
        observed_month=str(today.month),
        observed_year=str(today.year),
    )
    assert ok.status_code == 302


def test_recipients_are_ignored_unless_the_item_is_red(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    response = post_form(client, provider.id, marking="GREEN", recipients=["99999", "x"])
    assert response.status_code == 302
    assert db.session.scalar(sa.select(IntelligenceItem)).recipient_ids == set()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN])
def test_viewers_and_administrators_cannot_log(client, login_as, role):
    login_as(role)
    provider = factories.provider()
    db.session.commit()
    assert client.get(f"/intelligence/new?provider_id={provider.id}").status_code == 403


def test_a_refused_file_is_named_nothing_is_saved_and_the_form_is_kept(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    response = post_form(
        client,
        provider.id,
        files=[("visit.pdf", PDF_BYTES), ("setup.exe", b"MZ\x90\x00\x03")],
        title="Kept title",
    )
    assert response.status_code == 200
    assert "setup.exe is not a type of file the portal accepts" in response.text
    assert "Choose the files again" in response.text
    assert 'value="Kept title"' in response.text
    assert count(IntelligenceItem) == 0 and count(Blob) == 0


def test_a_file_over_the_size_limit_is_refused_with_its_name(app, client, login_as):
    app.config["PORTAL"]["attachment_max_mb"] = 1
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = post_form(client, provider.id, files=[("scan.pdf", big)])
    assert "scan.pdf is larger than 1 MB" in response.text
    assert count(IntelligenceItem) == 0


def test_a_request_over_the_whole_limit_gets_a_clear_page_not_an_error(app, client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    page = client.get(f"/intelligence/new?provider_id={provider.id}")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    data = form_fields(provider.id) | {
        "csrf_token": csrf_token_from(page.text),
        "attachments": [(io.BytesIO(PDF_BYTES + b"0" * 100_000), "scan.pdf")],
    }
    response = client.post("/intelligence/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Each file can be up to 10 MB" in response.text
    assert "Nothing was saved" in response.text
    assert count(IntelligenceItem) == 0


def test_identical_files_are_stored_once(client, login_as):
    login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    post_form(client, provider.id, files=[("a.pdf", PDF_BYTES), ("copy.pdf", PDF_BYTES)])
    post_form(client, provider.id, files=[("again.pdf", PDF_BYTES)])
    assert count(Attachment) == 3
    assert count(Blob) == 1


def test_the_navigation_offers_logging_only_to_those_who_may_log(client, login_as):
    login_as(Role.VIEWER)
    page = client.get("/intelligence")
    assert "Log intelligence" not in page.text
    assert 'href="/intelligence"' in page.text
