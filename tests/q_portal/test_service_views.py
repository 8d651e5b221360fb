"""The one way a view calls a service: a form's refusal shown where the user
looks, with what they typed kept; a button's refusal as an error message."""

from django import forms
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.views.generic import ListView

from q_portal.exceptions import PortalError
from q_portal.views import ServiceActionView, ServiceConfirmView, ServiceFormOnPageMixin, ServiceFormView

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


class RemovableView(RenameView):
    """A form page with a second button, "remove", that acts without the form."""

    buttons = {"remove": "remove"}

    def remove(self):
        if self.refusal is not None:
            raise self.refusal
        return "Removed."


class ArchiveView(ServiceActionView):
    success_message = "Archived."
    success_url = "/archive/"
    refusal = None

    def call_service(self):
        if self.refusal is not None:
            raise self.refusal


class PublishView(ServiceActionView):
    """A button whose refusal goes back to a page of its own."""

    success_url = "/published/"
    error_url = "/draft/"
    refusal = None

    def call_service(self):
        if self.refusal is not None:
            raise self.refusal


class QueueView(ServiceActionView):
    """A button whose outcome may be only half a success."""

    success_url = "/queue/"

    def call_service(self):
        return self.request.POST["place"]

    def get_success_message(self):
        return "You are in." if self.outcome == "in" else "You are on the waiting list."

    def get_success_level(self):
        return messages.SUCCESS if self.outcome == "in" else messages.INFO


class DeleteView(ServiceConfirmView):
    """A confirmation page for a button."""

    success_message = "Deleted."
    success_url = "/list/"
    refusal = None

    def get_context_data(self, **kwargs):
        return super().get_context_data(thing="the draft", **kwargs)

    def render_to_response(self, context, **response_kwargs):
        return HttpResponse(f"Delete {context['thing']}?")

    def call_service(self):
        if self.refusal is not None:
            raise self.refusal


class NotesView(ServiceFormOnPageMixin, ListView):
    """A list page with a form to add to it, shown under the name "note_form"."""

    refusal = None
    notes = ["first"]

    def get_queryset(self):
        return list(self.notes)

    def render_to_response(self, context, **response_kwargs):
        form = context["note_form"]
        return HttpResponse(f"{context['object_list']}|{form['name'].errors}|{form['name'].value()}")

    def post(self, request, *args, **kwargs):
        return self.post_service_form(NameForm(request.POST), self.add, success_url="/notes/", context_name="note_form")

    def add(self, form):
        if self.refusal is not None:
            raise self.refusal
        return f"{form.cleaned_data['name']} is added."


def _post(data=None, path="/"):
    request = RequestFactory().post(path, data or {})
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


def test_service_action_view_sends_a_refusal_to_its_error_url_and_success_to_its_success_url():
    done, refused = _post(), _post()

    done_response = PublishView.as_view()(done)
    refused_response = PublishView.as_view(refusal=PortalError("Not ready."))(refused)

    assert [done_response["Location"], refused_response["Location"]] == ["/published/", "/draft/"]
    assert (_messages(done), _messages(refused)) == ([], [("error", "Not ready.")])


def test_service_confirm_view_shows_the_page_on_get_and_acts_on_post():
    shown = DeleteView.as_view()(RequestFactory().get("/"))
    done, refused = _post(), _post()

    done_response = DeleteView.as_view()(done)
    refused_response = DeleteView.as_view(refusal=PortalError("Already deleted."))(refused)

    assert (shown.status_code, shown.content.decode()) == (200, "Delete the draft?")
    assert [done_response["Location"], refused_response["Location"]] == ["/list/", "/list/"]
    assert (_messages(done), _messages(refused)) == ([("success", "Deleted.")], [("error", "Already deleted.")])


def test_service_form_view_second_button_acts_without_checking_the_form():
    request = _post({"name": "x" * 21, "remove": ""}, path="/thing/")

    response = RemovableView.as_view()(request)

    assert (response.status_code, response["Location"]) == (302, "/done/")
    assert _messages(request) == [("success", "Removed.")]


def test_service_form_view_second_button_refused_comes_back_to_the_page_with_the_refusal():
    request = _post({"name": "ada", "remove": ""}, path="/thing/")

    response = RemovableView.as_view(refusal=PortalError("In use.", field="name"))(request)

    assert (response.status_code, response["Location"]) == (302, "/thing/")
    assert _messages(request) == [("error", "In use.")]


def test_service_form_view_without_the_second_button_is_the_form():
    request = _post({"name": "ada"}, path="/thing/")

    response = RemovableView.as_view(refusal=PortalError("In use.", field="name"))(request)

    assert response.status_code == 200
    assert "In use." in response.content.decode().split("|")[1]


def test_service_action_view_tells_an_outcome_at_the_level_it_chooses():
    placed, waiting = _post({"place": "in"}), _post({"place": "waiting"})

    QueueView.as_view()(placed)
    QueueView.as_view()(waiting)

    assert (_messages(placed), _messages(waiting)) == (
        [("success", "You are in.")],
        [("info", "You are on the waiting list.")],
    )


def test_service_form_on_a_page_says_what_the_service_did_and_goes_back_to_the_page():
    request = _post({"name": "ada"})

    response = NotesView.as_view()(request)

    assert (response.status_code, response["Location"]) == (302, "/notes/")
    assert _messages(request) == [("success", "ada is added.")]


def test_service_form_on_a_page_shows_the_whole_page_again_with_the_refusal_at_its_field():
    refused, invalid = _post({"name": "ada"}), _post({"name": "x" * 21})

    refused_page = NotesView.as_view(refusal=PortalError("Taken.", field="name"))(refused).content.decode()
    invalid_page = NotesView.as_view(refusal=AssertionError("called"))(invalid).content.decode()

    rows, at_field, typed = refused_page.split("|")
    assert (rows, "Taken." in at_field, typed) == ("['first']", True, "ada")
    assert "at most 20 characters" in invalid_page.split("|")[1]
    assert (_messages(refused), _messages(invalid)) == ([], [])
