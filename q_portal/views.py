import logging

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import FormView, TemplateView
from django.views.generic.list import MultipleObjectMixin

from .celery import app as celery_app
from .exceptions import PortalError, add_portal_error
from .retention.selectors import public_schedule

logger = logging.getLogger(__name__)


class ServiceFormView(FormView):
    """A page with one form whose valid input goes to one service. Put the role
    mixin first: `class EditView(ProgrammeTeamMixin, ServiceFormView)`.

    `call_service(form)` makes the call and returns what it made or changed,
    kept as `self.outcome`. A `PortalError` it raises is shown at the field it
    names (or above the form), and the form is shown again with what was typed.
    Otherwise the success message (`success_message`, or `get_success_message()`
    reading `self.outcome`) is shown and the browser goes to `get_success_url()`:
    a URL or a URL's name, as `redirect()` takes. An edit page whose service
    returns what changed sets `unchanged_message`, shown instead when nothing did.

    A second button in the form that acts without the form (say "Delete") is
    named in `buttons`, with the method it calls: `buttons = {"delete":
    "delete_question"}`. The form is not checked; the method calls its service
    and returns the success message; the browser goes to `get_success_url()`,
    or, when the service refuses, back to this page with the refusal as an
    error message."""

    success_message = ""
    unchanged_message = ""
    buttons: dict[str, str] = {}

    def call_service(self, form):
        raise NotImplementedError

    def get_success_message(self) -> str:
        return self.success_message

    def post(self, request, *args, **kwargs):
        for name, method in self.buttons.items():
            if name in request.POST:
                return self._press(getattr(self, method))
        return super().post(request, *args, **kwargs)

    def _press(self, button):
        try:
            message = button()
        except PortalError as error:
            messages.error(self.request, error.message)
            return redirect(self.request.path)
        messages.success(self.request, message)
        return redirect(self.get_success_url())

    def form_valid(self, form):
        try:
            self.outcome = self.call_service(form)
        except PortalError as error:
            add_portal_error(form, error)
            return self.form_invalid(form)
        if self.unchanged_message and not self.outcome:
            messages.info(self.request, self.unchanged_message)
        elif message := self.get_success_message():
            messages.success(self.request, message)
        return redirect(self.get_success_url())


class ServiceActionView(View):
    """A button (a POST with no fields to check) that calls one service:
    `call_service()` returns what it changed, kept as `self.outcome`; a
    `PortalError` becomes an error message, anything else the success message;
    either way the browser goes to `get_success_url()`, unless a refusal has a
    page of its own to go back to: `error_url` / `get_error_url()`. An outcome
    that is not quite a success (a place on the waiting list, say) is told at
    another level: `get_success_level()` returns `messages.INFO` or `WARNING`.

    A button whose input is not what it can act on (no choice made, say) raises
    a `PortalError` from `call_service()` too: the person sees why, in the same
    place as a refusal."""

    http_method_names = ["post"]
    success_message = ""
    success_url = None
    error_url = None

    def call_service(self):
        raise NotImplementedError

    def get_success_message(self) -> str:
        return self.success_message

    def get_success_url(self) -> str:
        return self.success_url

    def get_success_level(self) -> int:
        return messages.SUCCESS

    def get_error_url(self) -> str:
        return self.error_url or self.get_success_url()

    def post(self, request, *args, **kwargs):
        try:
            self.outcome = self.call_service()
        except PortalError as error:
            messages.error(request, error.message)
            return redirect(self.get_error_url())
        message = self.get_success_message()
        if message:
            messages.add_message(request, self.get_success_level(), message)
        return redirect(self.get_success_url())


class ServiceConfirmView(ServiceActionView, TemplateView):
    """A page with the button on it: GET shows `template_name` (a confirmation
    page saying what will happen, or a list with a button on each row), POST is
    the `ServiceActionView` that does it. Put the mixin that loads the object
    first, and read it in `get_context_data()` as well as in `call_service()`."""

    http_method_names = View.http_method_names


class ServiceFormOnPageMixin:
    """A form that is one part of a page (a reply under a message, a reviewer
    to add on an application's page) and is posted back to that page. The
    page's `post()` builds the form and returns `self.post_service_form(form,
    call, success_url=...)`: a valid form goes to `call(form)`, which calls the
    service and returns the success message; a `PortalError` is shown at its
    field and the whole page is shown again, the form under `context_name`,
    with what was typed kept."""

    def post_service_form(self, form, call, *, success_url, context_name="form"):
        if form.is_valid():
            try:
                message = call(form)
            except PortalError as error:
                add_portal_error(form, error)
            else:
                messages.success(self.request, message)
                return redirect(success_url)
        if isinstance(self, MultipleObjectMixin):  # a list page shows its rows again too
            self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(**{context_name: form}))


class PrivacyView(TemplateView):
    template_name = "pages/privacy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(retention_rules=public_schedule(), **kwargs)


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("healthz: database did not answer", exc_info=True)
        return False


def _broker_answers() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("healthz: broker did not answer", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request):
    status = {
        "database": "ok" if _database_answers() else "unavailable",
        "broker": "ok" if _broker_answers() else "unavailable",
    }
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **status}, status=200 if healthy else 503)


def server_error(request):
    """The 500 page, with the programme team's address to write to. Like
    Django's own, it renders without the request (no context processors,
    nothing that could fail again), so the address is passed in here."""
    page = loader.get_template("500.html").render({"contact_email": settings.PROGRAMME_CONTACT_EMAIL})
    return HttpResponseServerError(page)
