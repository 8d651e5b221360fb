# Email waves moved to their own app, `outreach`. Only Django's idea of the models
# changes here: the table `applications_wave` and its rows stay where they are, and
# `outreach.0001_wave_h45` takes the model over, table and all.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_single_line_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Wave")],
            database_operations=[],
        ),
    ]
