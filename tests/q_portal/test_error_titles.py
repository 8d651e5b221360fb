"""The page title leads with "Error:" whenever the page shows form errors, whatever
the form is called in the context (GOV.UK: a screen reader announces it first)."""

from django import forms
from django.template import Context, Template
from django.test import RequestFactory

TITLE = Template(
    "{% load portal_page %}{% page_shows_errors as page_errors %}"
    "{% filter error_title:page_errors %}Reply to a message{% endfilter %}"
)


class ReplyForm(forms.Form):
    text = forms.CharField()


def title(method: str, **forms_in_context) -> str:
    request = getattr(RequestFactory(), method)("/")
    return TITLE.render(Context({"request": request, **forms_in_context}))


def test_a_posted_form_of_any_name_with_errors_leads_the_title_with_error():
    reply_form = ReplyForm({"text": ""})
    reply_form.is_valid()

    assert title("post", reply_form=reply_form) == "Error: Reply to a message"


def test_a_page_whose_forms_are_valid_or_unbound_keeps_its_title():
    valid = ReplyForm({"text": "Thank you"})
    valid.is_valid()

    assert title("post", reply_form=valid, other=ReplyForm()) == "Reply to a message"


def test_the_form_named_form_counts_on_any_request_and_a_get_filter_form_does_not():
    form = ReplyForm({"text": ""})
    filter_form = ReplyForm({"text": ""})
    filter_form.is_valid()

    assert title("get", form=form) == "Error: Reply to a message"
    assert title("get", filter_form=filter_form) == "Reply to a message"
