# Email waves, moved here from `applications` (see its 0008): the model takes over
# the table `applications_wave` as it stands, rows and all, so nothing is created
# in the database. The content type is renamed rather than made anew, so the
# audit trail of each wave and any permissions stay attached to it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=target, model="wave").exists():
        ContentType.objects.filter(app_label=source, model="wave").update(app_label=target)


def _content_type_to_outreach(apps, schema_editor):
    _move_content_type(apps, source="applications", target="outreach")


def _content_type_to_applications(apps, schema_editor):
    _move_content_type(apps, source="outreach", target="applications")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0008_waves_move_to_outreach_h45'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Wave',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('kind', models.CharField(choices=[('campaign', 'Email wave'), ('reminder', 'Deadline reminder')], default='campaign', max_length=20)),
                        ('reminder_days', models.PositiveSmallIntegerField(blank=True, editable=False, null=True)),
                        ('subject', models.CharField(max_length=255, verbose_name='subject')),
                        ('body', models.TextField(verbose_name='message')),
                        ('audience', models.JSONField(default=dict)),
                        ('rate_per_minute', models.PositiveIntegerField(default=600, verbose_name='emails a minute')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('scheduled', 'Scheduled'), ('sending', 'Sending'), ('paused', 'Paused'), ('sent', 'Sent'), ('cancelled', 'Cancelled')], default='draft', max_length=20)),
                        ('scheduled_for', models.DateTimeField(blank=True, null=True)),
                        ('recipient_count', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('started_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('last_activity_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('round', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='waves', to='applications.round')),
                    ],
                    options={
                        'db_table': 'applications_wave',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['status', 'scheduled_for'], name='wave_status_due_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'])), name='wave_status_valid'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'scheduled'), _negated=True), ('scheduled_for__isnull', False), _connector='OR'), name='scheduled_wave_has_time'), models.CheckConstraint(condition=models.Q(('rate_per_minute__gte', 1), ('rate_per_minute__lte', 60000)), name='wave_rate_in_range'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'reminder'), _negated=True), models.Q(('reminder_days__isnull', False), ('round__isnull', False)), _connector='OR'), name='reminder_wave_has_round_and_days'), models.UniqueConstraint(condition=models.Q(('kind', 'reminder')), fields=('round', 'reminder_days'), name='one_reminder_wave_per_round_and_days')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_content_type_to_outreach, _content_type_to_applications),
    ]
