"""Automatic conflicts of interest are derived from the records, no longer stored
(`selection.conflicts`): their rows go, and only a reviewer's own (declared,
abstained) may be stored from now on. The rules find them again from the records
as they are now; what a conflict found late changed (an assignment removed) is in
the application's audit trail."""

from django.db import migrations, models

STEPPED_ASIDE = ["declared", "abstained"]


def delete_automatic_conflicts(apps, schema_editor):
    apps.get_model("selection", "Conflict").objects.exclude(kind__in=STEPPED_ASIDE).delete()


class Migration(migrations.Migration):
    dependencies = [("selection", "0010_moderation_indexes")]

    operations = [
        # Reversing keeps the rows as they are: the next automatic assignment
        # of the older code records the automatic ones again.
        migrations.RunPython(delete_automatic_conflicts, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="conflict", name="declared_conflict_has_reason"),
        migrations.AddConstraint(
            model_name="conflict",
            constraint=models.CheckConstraint(
                condition=models.Q(kind__in=STEPPED_ASIDE) & ~models.Q(reason=""),
                name="conflict_stepped_aside_with_reason",
            ),
        ),
    ]
