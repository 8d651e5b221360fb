"""docker-compose.yml, read as data: what `docker compose up --scale web=3
--scale worker=3` needs, checked without a Docker engine (there is none on the
development and CI machines). Whether the portal itself holds nothing of its own
per server is checked by tests/browser/test_two_web_servers.py."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SCALED = ["web", "worker"]


def test_scaled_services_publish_no_port_and_have_no_fixed_name():
    """A published host port or a container name can be taken only once: a
    second web container would fail to start."""
    for name in SCALED:
        assert "ports" not in SERVICES[name], name
        assert "container_name" not in SERVICES[name], name


def test_one_proxy_publishes_the_portal_and_reaches_every_web_container():
    proxy = SERVICES["proxy"]
    assert proxy["ports"] == ["8000:8000"]
    config_file = next(volume.split(":")[0] for volume in proxy["volumes"] if volume.endswith("default.conf:ro"))
    config = (ROOT / config_file).read_text()
    # Resolved per request through Docker's DNS, so replicas started later get requests too.
    assert re.search(r"^resolver 127\.0\.0\.11\b", config, re.MULTILINE)
    assert "set $web http://web:8000;" in config
    assert "proxy_pass $web;" in config
    assert SERVICES["web"]["expose"] == ["8000"]


def test_the_database_is_migrated_once_before_any_web_or_worker_container_starts():
    assert SERVICES["migrate"]["command"] == "python manage.py migrate --no-input"
    for name in [*SCALED, "beat"]:
        assert "migrate" not in str(SERVICES[name]["command"]), name
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name


def test_uploads_go_to_the_object_store_and_sessions_to_the_shared_database_and_redis():
    for name in [*SCALED, "beat", "migrate"]:
        environment = SERVICES[name]["environment"]
        assert environment["AWS_STORAGE_BUCKET_NAME"] == "portal-uploads", name
        assert environment["AWS_S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert "@db:5432/" in environment["DATABASE_URL"], name
        assert environment["REDIS_URL"].startswith("redis://redis:6379/"), name


def test_every_image_is_pinned_to_a_version():
    for name, service in SERVICES.items():
        if "image" in service and "build" not in service:
            assert re.fullmatch(r"[\w./-]+:[\w.-]*\d[\w.-]*", service["image"]), (name, service["image"])
