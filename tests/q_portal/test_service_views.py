"""The one way a view calls a service: a form's refusal shown where the user
looks, with what they typed kept; a button's refusal as an error message."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory

from q_portal.exceptions import PortalError
from q_portal.views import ServiceActionView, ServiceFormView

PAGE = engines["django"].from_string("{{ form.non_field_errors }}|{{ form.name.errors }}|{{ form.name.value }}")


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)


class RenameView(ServiceFormView):
    form_class = NameForm
    success_url = "/done/"
    refusal = None

    def render_to_response(self, context, **response_kwargs):
        return HttpResponse(PAGE.render(context))

    def call_service(self, form):
        if self.refusal is not None:
            raise self.refusal
        return form.cleaned_data["name"].upper()

    def get_success_message(self):
        return f"Renamed to {self.outcome}."


class EditView(ServiceFormView):
    """An edit page: its service returns the names of the fields it changed."""

    form_class = NameForm
    success_url = "/edited/"
    success_message = "Your changes are saved."
    unchanged_message = "You did not change anything."
    current = "ada"

    def call_service(self, form):
        return ["name"] if form.cleaned_data["name"] != self.current else []


class ArchiveView(ServiceActionView):
    success_message = "Archived."
    success_url = "/archive/"
    refusal = None

    def call_service(self):
        if self.refusal is not None:
            raise self.refusal


def _post(data=None):
    request = RequestFactory().post("/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _messages(request) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(request)]


def test_service_form_view_redirects_with_the_message_made_from_the_outcome():
    request = _post({"name": "ada"})

    response = RenameView.as_view()(request)

    assert (response.status_code, response["Location"]) == (302, "/done/")
    assert _messages(request) == [("success", "Renamed to ADA.")]


def test_service_form_view_shows_a_refusal_at_its_field_keeping_what_was_typed():
    request = _post({"name": "ada"})

    response = RenameView.as_view(refusal=PortalError("That name is taken.", field="name"))(request)

    assert (response.status_code, response.content.decode().count("That name is taken.")) == (200, 1)
    non_field, at_field, typed = response.content.decode().split("|")
    assert (non_field, "That name is taken." in at_field, typed) == ("", True, "ada")
    assert _messages(request) == []


def test_service_form_view_shows_a_refusal_naming_no_field_of_the_form_above_it():
    request = _post({"name": "ada"})

    response = RenameView.as_view(refusal=PortalError("The round is closed.", field="closes_at"))(request)

    non_field, at_field, typed = response.content.decode().split("|")
    assert ("The round is closed." in non_field, at_field, typed) == (True, "", "ada")


def test_service_form_view_does_not_call_the_service_for_invalid_input():
    request = _post({"name": "x" * 21})

    response = RenameView.as_view(refusal=AssertionError("called"))(request)

    assert response.status_code == 200
    assert "at most 20 characters" in response.content.decode()


def test_service_form_view_says_nothing_changed_instead_of_saved_when_the_service_changed_nothing():
    unchanged, changed = _post({"name": "ada"}), _post({"name": "grace"})

    responses = [EditView.as_view()(unchanged)["Location"], EditView.as_view()(changed)["Location"]]

    assert responses == ["/edited/", "/edited/"]
    assert _messages(unchanged) == [("info", "You did not change anything.")]
    assert _messages(changed) == [("success", "Your changes are saved.")]


def test_service_action_view_shows_success_or_the_refusal_and_goes_back_either_way():
    done, refused = _post(), _post()

    done_response = ArchiveView.as_view()(done)
    refused_response = ArchiveView.as_view(refusal=PortalError("Already archived."))(refused)

    assert [done_response["Location"], refused_response["Location"]] == ["/archive/", "/archive/"]
    assert _messages(done) == [("success", "Archived.")]
    assert _messages(refused) == [("error", "Already archived.")]


def test_service_action_view_refuses_get():
    request = RequestFactory().get("/")

    assert ArchiveView.as_view()(request).status_code == 405
