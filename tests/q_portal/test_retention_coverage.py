"""Every record of a person has a retention rule: this walks every installed model
(the portal's and the third-party ones) and fails, listing them, for fields that
could hold personal data with neither a rule in the schedule nor a "not personal,
because…" marker. See `q_portal.retention` for how to add either."""

import re

from django.apps import apps
from django.conf import settings
from django.db import models

from q_portal.retention import not_personal_markers, schedule

# Field types that can hold what identifies a person or what they wrote.
PERSONAL_TYPES = (
    models.EmailField,
    models.FileField,  # and ImageField
    models.GenericIPAddressField,
    models.TextField,
    models.JSONField,
    models.BinaryField,
)
# Short text fields, by what their name says they hold.
PERSONAL_NAME = re.compile(
    r"(^|_)(name|names|email|mail|phone|mobile|address|ip|title|reason|note|notes|statement|bio|skills|summary"
    r"|subject|body|comment|text|message|repr|answer|response|feedback|description|filename|uid|token|postcode"
    r"|dietary|user_agent|data|value|values|search|vector|pronouns|resolution|label|key|other)($|_)"
)


def personal_fields(model) -> list[str]:
    found = []
    for field in model._meta.concrete_fields:
        by_type = isinstance(field, PERSONAL_TYPES) or type(field).__name__ == "SearchVectorField"
        by_name = isinstance(field, models.CharField) and not field.choices and PERSONAL_NAME.search(field.name)
        if by_type or by_name:
            found.append(field.name)
    return found


def uncovered_fields() -> list[str]:
    ruled = {rule.model for rule in schedule()}
    marked_models = {marker.model for marker in not_personal_markers() if not marker.fields}
    marked_fields = {(marker.model, name) for marker in not_personal_markers() for name in marker.fields}
    uncovered = []
    for model in apps.get_models():
        label = model._meta.label
        if label in ruled or label in marked_models:
            continue
        uncovered += [f"{label}.{name}" for name in personal_fields(model) if (label, name) not in marked_fields]
    return uncovered


def test_every_field_that_may_hold_personal_data_has_a_retention_rule_or_a_reason():
    assert uncovered_fields() == [], (
        "These fields may hold personal data but have no retention rule: add an entry in <app>/retention.py, "
        "or mark them not_personal(...) with the reason (see q_portal/retention/__init__.py)."
    )


def test_the_detector_finds_personal_fields_by_type_and_name():
    from applications.models import Nomination, UpdateSubscription

    assert {"full_name", "email", "job_title", "statement"} <= set(personal_fields(Nomination))
    assert {"email", "name"} <= set(personal_fields(UpdateSubscription))
    assert "status" not in personal_fields(Nomination)


def test_a_model_without_a_rule_is_listed_with_its_fields(monkeypatch):
    from q_portal.retention import registry

    schedule()  # discovered first, so the rules removed below stay removed
    rules = {name: rule for name, rule in registry._rules.items() if rule.model != "applications.Nomination"}
    monkeypatch.setattr(registry, "_rules", rules)

    assert uncovered_fields() == [
        "applications.Nomination.full_name",
        "applications.Nomination.email",
        "applications.Nomination.job_title",
        "applications.Nomination.statement",
    ]


def test_every_rule_and_marker_names_a_model_and_fields_that_exist():
    for rule in schedule():
        assert rule.model_class._meta.label == rule.model
    for marker in not_personal_markers():
        model = apps.get_model(marker.model)
        for name in marker.fields:
            model._meta.get_field(name)
        assert marker.reason


def test_rules_that_run_have_a_period_read_from_a_setting_with_a_default():
    for rule in schedule():
        if rule.runs:
            assert rule.period.default >= 0
            assert isinstance(rule.period.value, int)


def test_no_link_to_an_account_stops_the_account_being_deleted():
    """Deleting or erasing a person never fails on the database: every foreign key
    to the user either goes with the account or is cleared."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    blocking = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is user_model
        and field.remote_field.on_delete not in (models.CASCADE, models.SET_NULL)
    ]
    assert blocking == []
