"""QuickSelect writes Django's select markup itself: the same elements,
attributes and escaping as `forms.Select`, only without a template per option."""

import re

from django import forms

from selection.forms.board import QuickSelect

CHOICES = [
    ("", "Any region"),
    ("Nations", [("wales", "Wales"), ("scotland", "Scotland & <Islands>")]),
    ("north", 'North "East"'),
]


def tags(html: str) -> str:
    """The markup without the whitespace between tags (Django's template adds some)."""
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_quick_select_renders_the_same_markup_as_djangos_select():
    attrs = {"id": "id_region", "class": "form-select", "aria-describedby": "region-hint", "required": True}
    for value in ["", "scotland", "north", "nowhere"]:
        ours = QuickSelect(choices=CHOICES).render("region", value, attrs=attrs)
        django = forms.Select(choices=CHOICES).render("region", value, attrs=attrs)
        assert tags(ours) == tags(django)
    assert "Scotland &amp; &lt;Islands&gt;" in ours
    assert '<option value="north">North &quot;East&quot;</option>' in ours
