import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_every_page_sends_a_strict_content_security_policy(client):
    response = client.get("/privacy/")

    policy = dict(directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_every_page_sends_browser_hardening_headers(client):
    response = client.get("/privacy/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(client):
    user = UserFactory()

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_request_with_unknown_host_gets_a_friendly_400(client):
    response = client.get("/", HTTP_HOST="attacker.example.com")

    assert response.status_code == 400
    assert "Q Portal" in response.content.decode()
