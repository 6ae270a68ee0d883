"""What every API call shares: bearer tokens, JSON errors, the OpenAPI document."""

from __future__ import annotations

from flask import request

from portal.extensions import db
from portal.models import Role, utcnow
from tests.conftest import api_token_for


def test_the_openapi_document_describes_version_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_an_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json


def test_a_revoked_token_no_longer_works(client, login_as):
    from portal.models import ApiToken

    user = login_as(Role.MEMBER)
    client.delete_cookie("session")
    token = api_token_for(user)
    db.session.query(ApiToken).update({"revoked_at": utcnow()})
    db.session.commit()
    from portal.auth.services import user_for_token

    assert user_for_token(token) is None


def test_only_a_bearer_token_authenticates_an_api_call(app, login_as):
    from portal.auth.views import load_api_user

    user = login_as(Role.MEMBER)
    token = api_token_for(user)
    with app.test_request_context("/api/v1/providers"):
        assert load_api_user(request) is None
    with app.test_request_context(
        "/api/v1/providers", headers={"Authorization": f"Bearer {token}"}
    ):
        assert load_api_user(request) == user
    # A token does not sign anyone in to the web pages.
    with app.test_request_context("/", headers={"Authorization": f"Bearer {token}"}):
        assert load_api_user(request) is None
