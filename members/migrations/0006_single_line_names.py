"""Names and other one-line fields stored before they were normalised on input:
line breaks, tabs, control and invisible characters out, NFC (issue 13)."""

from django.db import migrations

from q_portal.text import single_line

FIELDS = {
    "User": ["display_name"],
    "MemberProfile": ["full_name", "job_title", "organisation_other", "cohort_name"],
}


def clean(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("members", model_name)
        changed = []
        for row in model.objects.only("pk", *fields).iterator(chunk_size=2000):
            before = [getattr(row, field) for field in fields]
            after = [single_line(value) for value in before]
            if before != after:
                for field, value in zip(fields, after, strict=True):
                    setattr(row, field, value)
                changed.append(row)
        model.objects.bulk_update(changed, fields, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("members", "0005_directory_cohort_index")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
