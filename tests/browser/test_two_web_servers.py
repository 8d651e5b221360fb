"""Two web servers behind one address: what `docker compose up --scale web=3`
puts behind its proxy, checked here without a Docker engine. Two gunicorn
processes under production settings, on two ports, share one PostgreSQL
database, one Redis and one S3-compatible object store (moto's server standing
in for MinIO), and nothing else: each has a working folder of its own. A member
uploads a photo through one; another member sees it through the other; a
sign-out on one signs the member out of both. The browser keeps one cookie jar
for the host whatever the port, as it would behind one proxy."""

import io
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from PIL import Image
from playwright.sync_api import expect

from tests.browser.accounts import sign_in
from tests.factories import PASSWORD
from tests.factories.members import MemberFactory

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "portal-uploads"
# moto accepts any key; the servers and the test use these.
KEYS = {"AWS_ACCESS_KEY_ID": "portal", "AWS_SECRET_ACCESS_KEY": "portal-test", "AWS_S3_REGION_NAME": "us-east-1"}

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two server processes need a database both can reach"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} stopped with exit code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer /healthz within 90 seconds")


@pytest.fixture
def object_store():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=KEYS["AWS_S3_REGION_NAME"],
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


@pytest.fixture
def web_servers(transactional_db, object_store, tmp_path):
    """Two gunicorn servers on the test database; their addresses. The static
    files are collected once, as a container image holds them."""
    endpoint, _client = object_store
    database = connection.settings_dict
    env = {
        **os.environ,
        **KEYS,
        "DJANGO_SETTINGS_MODULE": "q_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "STATIC_ROOT": str(tmp_path / "static"),
        "CONN_MAX_AGE": "0",
    }
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v", "0"],
        env=env,
        check=True,
    )
    servers, urls = [], []
    try:
        for number in (1, 2):
            port = _free_port()
            folder = tmp_path / f"web{number}"
            folder.mkdir()
            command = [
                str(Path(sys.executable).with_name("gunicorn")),
                "q_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
                "--chdir",
                str(ROOT),
            ]
            # Each server starts in a folder of its own: nothing it writes there reaches the other.
            servers.append(subprocess.Popen(command, cwd=folder, env={**env, "MEDIA_ROOT": str(folder)}))  # noqa: S603
            urls.append(f"http://localhost:{port}")
        for url, server in zip(urls, servers, strict=True):
            _wait_until_up(url, server)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def _member(full_name: str):
    """A member whose password the servers' own hasher reads (the tests' settings
    hash with MD5, which production settings do not accept)."""
    member = MemberFactory(full_name=full_name)
    hasher = PBKDF2PasswordHasher()
    member.user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    member.user.save(update_fields=["password"])
    return member


def _photo(tmp_path) -> Path:
    path = tmp_path / "me.png"
    Image.new("RGB", (120, 120), (0, 94, 184)).save(path)
    return path


def test_a_photo_uploaded_through_one_server_is_seen_through_the_other_and_a_sign_out_counts_on_both(
    chromium, web_servers, object_store, tmp_path
):
    first, second = web_servers
    _endpoint, bucket = object_store
    rae = _member("Rae Okafor")
    sam = _member("Sam Patel")
    context = chromium.new_context(base_url=first, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    page = context.new_page()

    # Rae signs in and uploads a photo through the first server.
    sign_in(page, rae.user.email)
    page.goto(f"{first}/members/me/photo/")
    page.get_by_label("Photo").set_input_files(_photo(tmp_path))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("Your photo is saved.")).to_be_visible()

    # The photo is in the shared object store, and neither server kept a copy.
    stored = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert len(stored) == 1
    assert stored[0].startswith("members/photos/")
    assert [path for path in tmp_path.glob("web*/**/*") if path.is_file()] == []

    # Still signed in on the second server (the session is in the shared database);
    # the profile there shows the photo, read from the object store.
    page.goto(f"{second}/members/me/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    photo = page.get_by_role("img", name="Your photo", exact=True)
    expect(photo).to_be_visible()
    assert photo.evaluate("image => image.complete && image.naturalWidth > 0")

    # Sam signs in through the first server and sees Rae's photo on her profile through the second.
    sign_in(page, sam.user.email)
    page.goto(f"{second}/members/{rae.pk}/")
    rae_photo = page.get_by_role("img", name="Photo of Rae Okafor")
    expect(rae_photo).to_be_visible()
    assert rae_photo.evaluate("image => image.complete && image.naturalWidth > 0")
    response = page.request.get(f"{first}/members/{rae.pk}/photo/")
    assert response.status == 200
    assert Image.open(io.BytesIO(response.body())).size[0] > 0

    # Sam signs out through the second server: the first no longer knows Sam either.
    page.goto(f"{second}/members/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"{first}/members/")
    assert "/accounts/login/" in page.url
    context.close()
