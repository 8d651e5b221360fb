"""Waves moved from `applications` to `outreach` without touching their table: a
database migrated before the move keeps every wave, and each wave's audit trail."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from outreach.models import Wave
from q_portal.audit.models import AuditEntry

BEFORE_THE_MOVE = [("applications", "0007_single_line_names")]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.both_databases]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_wave_made_before_the_move_is_there_after_it():
    # Back to the last migration before the move: the model is applications.Wave
    # (unapplying the move renames its content type back).
    old = _migrate(BEFORE_THE_MOVE)
    ContentType.objects.clear_cache()
    old_type = old.get_model("contenttypes", "ContentType")
    wave_type = old_type.objects.get_or_create(app_label="applications", model="wave")[0]
    wave = old.get_model("applications", "Wave").objects.create(
        name="Spring round opens", subject="Q is recruiting", body="Apply", audience={}, status="sent"
    )
    entry = AuditEntry.objects.create(action="wave.sent", target_type_id=wave_type.pk, target_id=str(wave.pk))

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    moved = Wave.objects.get(pk=wave.pk)
    assert (moved.pk, moved.name, moved.status) == (wave.pk, "Spring round opens", "sent")
    entry.refresh_from_db()
    assert (entry.target_type, entry.target_id) == (ContentType.objects.get_for_model(Wave), str(wave.pk))
    assert entry.target_type.app_label == "outreach"
