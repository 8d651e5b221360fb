"""Templates compare a status with its choices class, never with a string.

`{% if wave.status == "draft" %}` keeps matching nothing, silently, once the
value is renamed; `{% if wave.status == WaveStatus.DRAFT %}` names a member that
`TEMPLATE_CHOICES` puts in every page's context, and this test checks that the
member exists (a misspelt one would also compare false without a word)."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FOLDERS = [ROOT / "templates", *ROOT.glob("*/templates")]

# `something.field == "value"` or `"value" != something.field`, in a template tag.
ATTRIBUTE_THEN_LITERAL = re.compile(r"[\w.]+\.(\w+)\s*[!=]=\s*(['\"])(\w*)\2")
LITERAL_THEN_ATTRIBUTE = re.compile(r"(['\"])(\w*)\1\s*[!=]=\s*[\w.]+\.(\w+)\b")
CHOICES_MEMBER = re.compile(r"\b([A-Z]\w+)\.([A-Z][A-Z0-9_]*)\b")


def _templates():
    for folder in TEMPLATE_FOLDERS:
        yield from folder.rglob("*.html")
        yield from folder.rglob("*.txt")


def _choice_values_by_field() -> dict[str, set[str]]:
    """Every model field with choices, by name: the values it may hold."""
    values: dict[str, set[str]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices and not field.is_relation:
                values.setdefault(field.name, set()).update(str(value) for value, _label in field.flatchoices)
    return values


def _template_comparisons(text: str):
    """(field name, literal) for each comparison of an attribute with a string."""
    for tag in re.findall(r"{%.*?%}", text, flags=re.DOTALL):
        for match in ATTRIBUTE_THEN_LITERAL.finditer(tag):
            yield match.group(1), match.group(3)
        for match in LITERAL_THEN_ATTRIBUTE.finditer(tag):
            yield match.group(3), match.group(2)


def test_templates_compare_choice_fields_with_their_choices_class():
    values = _choice_values_by_field()
    offenders = [
        f"{path.relative_to(ROOT)}: .{field} compared with {literal!r}"
        for path in _templates()
        for field, literal in _template_comparisons(path.read_text())
        if literal in values.get(field, ())
    ]
    assert offenders == []


def test_templates_name_only_choices_members_that_exist():
    classes = {name: import_string(path) for name, path in settings.TEMPLATE_CHOICES.items()}
    missing = [
        f"{path.relative_to(ROOT)}: {name}.{member}"
        for path in _templates()
        for tag in re.findall(r"{%.*?%}", path.read_text(), flags=re.DOTALL)
        for name, member in CHOICES_MEMBER.findall(tag)
        if name in classes and member not in classes[name].__members__
    ]
    assert missing == []
