import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "q_portal.settings.production",
    "SECRET_KEY": "x" * 20 + "a-production-like-secret-key-of-fifty-plus-chars",
    "ALLOWED_HOSTS": "q-portal.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, environment):
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=PRODUCTION_ENVIRONMENT)

    assert result.stderr == ""
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without_secret_or_service(missing):
    environment = {key: value for key, value in PRODUCTION_ENVIRONMENT.items() if key != missing}

    result = manage("check", environment=environment)

    assert result.returncode == 1
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_settings_store_uploads_in_the_named_bucket_and_serve_the_providers_webhooks():
    """What docker-compose.yml sets: MinIO's bucket for uploads, and a webhook
    secret that turns on the email provider's delivery webhooks."""
    script = (
        "import django; django.setup(); "
        "from django.core.files.storage import storages; from django.urls import reverse; "
        "s = storages['default']; print(type(s).__name__, s.bucket_name, s.endpoint_url); "
        "print(reverse('anymail:postmark_tracking_webhook'))"
    )
    environment = {
        **PRODUCTION_ENVIRONMENT,
        "AWS_STORAGE_BUCKET_NAME": "portal-uploads",
        "AWS_S3_ENDPOINT_URL": "http://minio:9000",
        "ANYMAIL_WEBHOOK_SECRET": "provider:a-long-webhook-password",
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
        "ANYMAIL_PROVIDER_SETTINGS": '{"POSTMARK_SERVER_TOKEN": "token"}',
    }
    result = subprocess.run(  # noqa: S603 - our own settings with a fixed script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "S3Storage portal-uploads http://minio:9000",
        "/email/provider/postmark/tracking/",
    ]
