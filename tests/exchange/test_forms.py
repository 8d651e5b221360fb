"""The programme team types a call's themes and a panel's criteria one a line."""

from exchange.forms import CallForm, PanelForm


def _errors(form, field):
    form.is_valid()
    return form.errors.get(field, [])


def test_themes_and_criteria_fold_white_space_and_drop_blank_lines_and_repeats():
    call = CallForm(data={"themes": "  digital \n\npatient   safety\nDigital\ndigital\n"})
    call.is_valid()
    panel = PanelForm(data={"criteria": "Impact\n\n  impact  \nFeasibility\nImpact"})
    panel.is_valid()

    assert call.cleaned_data["themes"] == ["digital", "patient safety", "Digital"]
    assert panel.cleaned_data["criteria"] == ["Impact", "impact", "Feasibility"]


def test_a_repeated_line_does_not_count_towards_the_most_allowed():
    twenty = "\n".join(f"theme {number}" for number in range(20))
    ten = "\n".join(f"criterion {number}" for number in range(10))

    assert _errors(CallForm(data={"themes": twenty + "\ntheme 0"}), "themes") == []
    assert _errors(CallForm(data={"themes": twenty + "\ntheme 20"}), "themes") == ["Enter at most 20 themes."]
    assert _errors(PanelForm(data={"criteria": ten + "\ncriterion 3"}), "criteria") == []
    assert _errors(PanelForm(data={"criteria": ten + "\ncriterion 10"}), "criteria") == ["Enter at most 10 criteria."]


def test_only_blank_lines_are_refused_at_the_field():
    assert _errors(CallForm(data={"themes": " \n\n "}), "themes") == ["Enter at least one theme."]
    assert _errors(PanelForm(data={"criteria": "\n \n"}), "criteria") == ["Enter at least one criterion."]


def test_each_name_is_cut_to_its_length():
    call = CallForm(data={"themes": "x" * 150})
    call.is_valid()
    panel = PanelForm(data={"criteria": "y" * 250})
    panel.is_valid()

    assert call.cleaned_data["themes"] == ["x" * 100]
    assert panel.cleaned_data["criteria"] == ["y" * 200]
