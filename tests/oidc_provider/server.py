"""Run the test identity provider: `IdentityProvider(...).start()` from a fixture
starts `python -m tests.oidc_provider.server` on a free loopback port with a fresh
SQLite file and an RS256 key generated now, and waits until its discovery document
answers. Nothing is mocked: the portal talks HTTP to it as to NHSmail."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "idp-pass-2016"


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class IdentityProvider:
    """users: {username: {email, email_verified, name, amr, acr, organisation}};
    clients: {client_id: {"provider_id": portal's id, "mode": misbehaviour or ""}}."""

    def __init__(self, folder: Path, *, portal_url: str, users: dict, clients: dict):
        self.folder = Path(folder)
        self.portal_url = portal_url.rstrip("/")
        self.users = users
        self.clients = clients
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        self.process = None

    def secret_for(self, client_id: str) -> str:
        return f"secret-of-{client_id}"

    def start(self) -> "IdentityProvider":
        self.folder.mkdir(parents=True, exist_ok=True)
        files = {
            "IDP_KEY": ("key.pem", _private_key_pem()),
            "IDP_OTHER_KEY": ("other-key.pem", _private_key_pem()),
            "IDP_USERS": ("users.json", json.dumps(self.users)),
            "IDP_CLIENTS": (
                "clients.json",
                json.dumps(
                    {
                        client_id: {
                            **client,
                            "secret": self.secret_for(client_id),
                            "redirect_uri": f"{self.portal_url}/accounts/oidc/{client['provider_id']}/login/callback/",
                            "post_logout_redirect_uri": f"{self.portal_url}/",
                        }
                        for client_id, client in self.clients.items()
                    }
                ),
            ),
        }
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
        for variable, (name, content) in files.items():
            (self.folder / name).write_text(content)
            environment[variable] = str(self.folder / name)
        environment.update(
            DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
            IDP_DB=str(self.folder / "provider.sqlite3"),
            IDP_ISSUER=self.issuer,
            IDP_PORT=str(self.port),
            PYTHONPATH=str(ROOT),
        )
        self.log = (self.folder / "provider.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.server"],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The test identity provider stopped: {(self.folder / 'provider.log').read_text()}")
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("The test identity provider did not answer within 60 s.")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()


def _seed() -> None:
    from django.conf import settings
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    for username in settings.IDP_USERS:
        if not User.objects.filter(username=username).exists():
            User.objects.create_user(username=username, password=PASSWORD)
    for client_id, client in settings.IDP_CLIENTS.items():
        Application.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": f"Q Portal ({client['provider_id']})",
                "client_secret": client["secret"],
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "redirect_uris": client["redirect_uri"],
                "post_logout_redirect_uris": client["post_logout_redirect_uri"],
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
            },
        )


def main() -> None:
    import django
    from django.core.management import call_command
    from django.core.servers.basehttp import WSGIRequestHandler, run
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    _seed()
    WSGIRequestHandler.log_message = lambda *args: None  # quiet
    run("127.0.0.1", int(os.environ["IDP_PORT"]), get_wsgi_application(), ipv6=False, threading=True)


if __name__ == "__main__":
    main()


def subject_of(provider: IdentityProvider, username: str) -> str:
    """The `sub` the provider gives a test user (its user id), read from its database."""
    import sqlite3

    with sqlite3.connect(provider.folder / "provider.sqlite3") as database:
        (subject,) = database.execute("SELECT id FROM auth_user WHERE username = ?", (username,)).fetchone()
    return str(subject)
