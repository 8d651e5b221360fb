from importlib import import_module

from django.conf import settings
from django.db import migrations, models

# SQLite (the demo) cannot put NULLS LAST in an index: as in 0004_board, the
# moderation queue's order exists there only in the migration state. The
# moderator index is a plain partial index, on both.
postgres_only = import_module("selection.migrations.0006_bias_corrected_ranking").postgres_only


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0008_waves_move_to_outreach_h45"),
        ("selection", "0009_reviewer_screen_h41"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        postgres_only(
            migrations.AddIndex(
                model_name="applicationscore",
                index=models.Index(
                    models.F("round"),
                    models.OrderBy(models.F("spread"), descending=True, nulls_last=True),
                    models.F("application"),
                    condition=models.Q(("needs_moderation", True)),
                    name="score_moderation_spread",
                ),
            )
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=models.Q(("is_moderation", True)), fields=["application"], name="assignment_moderator"
            ),
        ),
    ]
