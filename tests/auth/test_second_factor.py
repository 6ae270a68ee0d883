"""The second factor for local passwords, checked against a clock the test controls."""

from __future__ import annotations

import re

import pyotp
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, RecoveryCode
from tests.auth.conftest import PASSWORD
from tests.auth.helpers import code, enrol, give_code, post_form, sign_in_with_password


def actions() -> list[str]:
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def enrolment_secret(page: str) -> str:
    """The key the set-up page shows for typing by hand."""
    match = re.search(r'<code class="portal-secret">([A-Z2-7 ]+)</code>', page)
    assert match, "the set-up page shows no key"
    return match.group(1).replace(" ", "")


def test_a_new_local_account_sets_up_an_app_at_first_sign_in_and_gets_ten_recovery_codes(
    client, officer, clock
):
    response = sign_in_with_password(client, officer.email, PASSWORD)
    assert response.headers["Location"] == "/sign-in/second-factor/set-up"
    page = client.get("/sign-in/second-factor/set-up").get_data(as_text=True)
    # The QR code is drawn here, as SVG, with no script.
    assert '<svg role="img" aria-label="QR code to scan"' in page
    assert "<script" not in page.split("<main")[1].split("</main>")[0]
    secret = enrolment_secret(page)
    assert client.get("/").status_code == 302  # not signed in before the first code

    response = post_form(client, "/sign-in/second-factor/set-up", {"code": code(secret, clock)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed, never in clear
    assert client.get("/").status_code == 200
    # the dashboard asked for before the first code was refused (and audited)
    assert actions() == ["access-refused", "second-factor-enrolled", "sign-in"]


def test_a_wrong_first_code_does_not_finish_set_up(client, officer, clock):
    sign_in_with_password(client, officer.email, PASSWORD)
    page = client.get("/sign-in/second-factor/set-up").get_data(as_text=True)
    secret = enrolment_secret(page)
    wrong = pyotp.TOTP(secret).at(clock.now + 600)
    response = post_form(client, "/sign-in/second-factor/set-up", {"code": wrong})
    assert "The code is not right" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    # Reloading keeps the same key, so the app already set up still works.
    assert (
        enrolment_secret(client.get("/sign-in/second-factor/set-up").get_data(as_text=True))
        == secret
    )


def test_a_code_works_within_a_step_of_drift_and_not_beyond(client, officer, clock):
    secret = enrol(officer)
    sign_in_with_password(client, officer.email, PASSWORD)
    late = code(secret, clock)
    clock.advance(95)  # three steps on: the code from then is stale
    response = give_code(client, late)
    assert "The code is not right" in response.get_data(as_text=True)
    previous_step = pyotp.TOTP(secret).at(clock.now - 30)
    response = give_code(client, previous_step)
    assert response.headers["Location"] == "/"


def test_the_same_code_cannot_be_used_twice(client, officer, clock):
    secret = enrol(officer)
    sign_in_with_password(client, officer.email, PASSWORD)
    first = code(secret, clock)
    assert give_code(client, first).headers["Location"] == "/"
    client.post("/sign-out", data={"csrf_token": _csrf(client)})
    sign_in_with_password(client, officer.email, PASSWORD)
    response = give_code(client, first)
    assert "The code is not right" in response.get_data(as_text=True)
    clock.advance(30)
    assert give_code(client, code(secret, clock)).headers["Location"] == "/"


def _csrf(client) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/").get_data(as_text=True))


def test_a_recovery_code_signs_in_once(client, officer, clock):
    sign_in_with_password(client, officer.email, PASSWORD)
    secret = enrolment_secret(client.get("/sign-in/second-factor/set-up").get_data(as_text=True))
    response = post_form(client, "/sign-in/second-factor/set-up", {"code": code(secret, clock)})
    recovery = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    client.post("/sign-out", data={"csrf_token": _csrf(client)})

    sign_in_with_password(client, officer.email, PASSWORD)
    response = give_code(client, recovery[3].upper().replace("-", " "))
    assert response.headers["Location"] == "/"
    assert "You have 9 left" in client.get("/").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": _csrf(client)})
    sign_in_with_password(client, officer.email, PASSWORD)
    assert "The code is not right" in give_code(client, recovery[3]).get_data(as_text=True)


def test_an_administrator_reset_makes_the_user_set_up_again(client, officer, clock):
    from portal.admin.services import reset_second_factor

    enrol(officer)
    reset_second_factor(officer, officer)
    db.session.commit()
    response = sign_in_with_password(client, officer.email, PASSWORD)
    assert response.headers["Location"] == "/sign-in/second-factor/set-up"


def test_the_second_factor_page_without_a_password_first_sends_you_to_sign_in(client, officer):
    response = client.get("/sign-in/second-factor")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
