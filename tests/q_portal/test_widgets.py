"""The portal's form renderer writes every `<select>` in Python: the same characters
Django's templates write, for any choices, labels, values and attributes."""

from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test.signals import template_rendered
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from q_portal.widgets import PortalFormRenderer

DJANGO = DjangoTemplates()
PORTAL = PortalFormRenderer()

# Text that needs escaping, in labels, values and attributes.
text = st.text(alphabet=st.sampled_from(["a", "Z", " ", "&", "<", ">", '"', "'", "é", "£", "\n"]), max_size=8)
labels = st.one_of(
    text,
    st.integers(min_value=-5000, max_value=5000),
    st.just(gettext_lazy("Any region")),
    st.just(mark_safe("<b>safe</b>")),
)
values = st.one_of(text, st.integers(min_value=-10, max_value=5000), st.just(mark_safe("x&amp;y")))
options = st.lists(st.tuples(values, labels), max_size=6)
choices = st.lists(st.one_of(st.tuples(values, labels), st.tuples(text, options)), max_size=6)
attributes = st.dictionaries(
    st.sampled_from(["id", "class", "required", "disabled", "data-count", "aria-describedby", "title"]),
    st.one_of(st.booleans(), text, st.integers(min_value=0, max_value=3)),
    max_size=5,
)


def both(widget: forms.Widget, name: str, value, attrs: dict) -> tuple[str, str]:
    return (
        widget.render(name, value, attrs=attrs, renderer=PORTAL),
        widget.render(name, value, attrs=attrs, renderer=DJANGO),
    )


@given(choices=choices, name=text, attrs=attributes, picked=st.lists(values, max_size=3))
def test_a_select_is_written_as_djangos_template_writes_it(choices, name, attrs, picked):
    single = forms.Select(choices=choices)
    ours, django = both(single, name, picked[0] if picked else None, attrs)
    assert ours == django
    several = forms.SelectMultiple(choices=choices)
    ours, django = both(several, name, picked, attrs)
    assert ours == django


def test_grouped_choices_escaping_and_selection_match_djangos_markup():
    choices = [
        ("", gettext_lazy("Any region")),
        ("Nations", [("wales", "Wales"), ("scotland", "Scotland & <Islands>")]),
        ("north", 'North "East"'),
        (3000, 3000),
    ]
    widget = forms.Select(choices=choices)
    ours, django = both(widget, "region", "scotland", {"id": "id_region", "required": True, "disabled": False})
    assert ours == django
    assert '<option value="scotland" selected>Scotland &amp; &lt;Islands&gt;</option>' in ours
    assert '<option value="north">North &quot;East&quot;</option>' in ours
    assert " required" in ours and "disabled" not in ours
    ours, django = both(forms.NullBooleanSelect(), "answer", True, {})
    assert ours == django


class OptionsOfTheirOwn(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"


def test_a_select_with_options_of_its_own_is_rendered_by_its_templates():
    widget = OptionsOfTheirOwn(choices=[("a", "A"), ("b", "B")])
    ours, django = both(widget, "letter", "a", {})
    assert ours == django
    assert "<option" not in ours


def test_every_form_renders_its_selects_without_a_template_per_option():
    class RegionForm(forms.Form):
        region = forms.ChoiceField(choices=[(f"r{number}", f"Region {number}") for number in range(30)])

    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    assert isinstance(get_default_renderer(), PortalFormRenderer)
    template_rendered.connect(record)
    try:
        html = str(RegionForm({"region": "r7"})["region"])
    finally:
        template_rendered.disconnect(record)
    assert '<option value="r7" selected>Region 7</option>' in html
    assert html.count("<option") == 30
    assert "django/forms/widgets/select_option.html" not in rendered
