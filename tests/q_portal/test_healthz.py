import json

import pytest
from django.db import OperationalError, connection

from q_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_503_when_broker_is_down(client, monkeypatch):
    # Nothing listens on port 1: the broker is unreachable.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "database": "ok", "broker": "unavailable"}


def test_healthz_answers_503_when_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "unavailable"


def test_page_shows_a_friendly_error_when_the_database_is_down_and_recovers(monkeypatch, settings):
    from django.test import Client

    settings.PROGRAMME_CONTACT_EMAIL = "q-team@example.org"
    client = Client(raise_request_exception=False)

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        down = client.get("/")
    up = client.get("/")

    assert down.status_code == 500
    assert "Sorry, there is a problem with the service" in down.content.decode()
    assert "OperationalError" not in down.content.decode()
    assert 'href="mailto:q-team@example.org"' in down.content.decode()
    assert up.status_code == 200
