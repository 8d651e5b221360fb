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
