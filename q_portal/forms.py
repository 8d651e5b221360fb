"""Forms shared by every app's views."""

from django import forms


class PageForm(forms.Form):
    """The page of a paginated list, from the query string."""

    page = forms.IntegerField(min_value=1, required=False)


def page_number(query) -> int:
    """The page the query string asks for: 1 for anything that is not a page
    number (the paginator then shows its last page for one beyond the end)."""
    form = PageForm(query)
    return (form.is_valid() and form.cleaned_data["page"]) or 1
