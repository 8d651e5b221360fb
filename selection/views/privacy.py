"""Subject access and erasure.

`/account/data/`: anyone signed in sees everything the portal holds about them
and downloads it as JSON. `/programme/people/`: the programme team finds a person
by email address, sees what the portal holds (including the team's working on
their applications, which a person's own page never shows), chooses what of it to
release in a download, and erases it. The person's address never appears in a
URL, not even encoded or signed (it would sit in server logs and browser
history): the search keeps it in the team member's session under a random,
expiring reference, and the URL carries only that reference."""

import json
import re
from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from q_portal.roles import ProgrammeTeamMixin
from q_portal.session_references import reference_new, reference_value
from q_portal.uk_time import uk_datetime
from q_portal.views import ServiceFormView

from ..choices import SelectionWork
from ..forms.privacy import PersonEraseForm, PersonExportForm, PersonSearchForm
from ..selectors.privacy import DataSubject, applications_in_selection, data_subject_for, personal_data_of
from ..services import privacy as privacy_services

# The people a team member has found, by reference (q_portal.session_references).
PEOPLE_SESSION_KEY = "selection.privacy.people"

# How the export writes times ("2026-12-03T15:14:36+00:00") and dates ("2026-12-03").
ISO_WHEN = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?")

# Headings of the export's sections, in the order the page shows them.
SECTIONS = {
    "account": gettext_lazy("Account"),
    "applications": gettext_lazy("Applications"),
    "nominations_of_you": gettext_lazy("Nominated by an organisation"),
    "nominations_you_made": gettext_lazy("Nominations made"),
    "reviewing": gettext_lazy("Reviewing"),
    "membership": gettext_lazy("Membership"),
    "groups": gettext_lazy("Communities and special interest groups"),
    "events": gettext_lazy("Events"),
    "exchange": gettext_lazy("Q Exchange"),
    "funding": gettext_lazy("Q Exchange: member votes and funded projects"),
    "equality_monitoring": gettext_lazy("Equality monitoring (seen only by you)"),
    "update_registrations": gettext_lazy("Registrations for updates"),
    "emails_sent_to_you": gettext_lazy("Emails sent"),
    "activity_record": gettext_lazy("Record of activity"),
}


def readable_when(text: str) -> str | None:
    """An ISO time or date of the export as people write it, in UK time
    ("3 December 2026, 3:14pm"); None when the text is not one."""
    if not ISO_WHEN.fullmatch(text):
        return None
    try:
        when = parse_datetime(text) if "T" in text else parse_date(text)
    except ValueError:
        return None
    if when is None:
        return None
    if isinstance(when, datetime):
        if timezone.is_naive(when):
            when = timezone.make_aware(when, UTC)
        return uk_datetime(when)
    return date_format(when, "j F Y")


def readable(value):
    """The export as nodes the summary template renders: fields, lists, text."""
    if isinstance(value, dict):
        return {
            "kind": "fields",
            "rows": [(key.replace("_", " ").capitalize(), readable(item)) for key, item in value.items()],
        }
    if isinstance(value, list):
        return {"kind": "list", "items": [readable(item) for item in value]}
    if isinstance(value, bool):
        return {"kind": "text", "text": _("Yes") if value else _("No")}
    if value is None or value == "":
        return {"kind": "empty"}
    if isinstance(value, str) and (when := readable_when(value)):
        return {"kind": "text", "text": when}
    return {"kind": "text", "text": str(value)}


# The page shows at most this many of a long list (the most recent); the download has them all.
SHOWN_ON_PAGE = 100


def summary_sections(export: dict) -> list[dict]:
    sections = []
    for key, title in SECTIONS.items():
        if key not in export:
            continue
        value, more = export[key], 0
        if isinstance(value, list) and len(value) > SHOWN_ON_PAGE:
            value, more = value[-SHOWN_ON_PAGE:], len(value) - SHOWN_ON_PAGE
        sections.append({"key": key, "title": title, "node": readable(value), "empty": not value, "more": more})
    return sections


def json_download(export: dict, *, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(export, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data: never kept by a shared cache or the browser's.
    response["Cache-Control"] = "no-store"
    return response


class YourDataView(LoginRequiredMixin, TemplateView):
    template_name = "selection/privacy/your_data.html"

    def get_context_data(self, **kwargs):
        export = personal_data_of(subject=data_subject_for(user=self.request.user), own=True)
        return super().get_context_data(export=export, sections=summary_sections(export), **kwargs)


class YourDataDownloadView(LoginRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        subject = data_subject_for(user=request.user)
        export = personal_data_of(subject=subject, own=True)
        privacy_services.personal_data_export_record(subject=subject, by=request.user, file_format="json")
        return json_download(export, filename=f"q-portal-your-data-{timezone.localdate():%Y-%m-%d}.json")


class PeopleView(ProgrammeTeamMixin, FormView):
    """Find a person by email address, for a subject access request or an erasure."""

    template_name = "selection/privacy/people.html"
    form_class = PersonSearchForm

    def form_valid(self, form):
        reference = reference_new(self.request.session, PEOPLE_SESSION_KEY, form.cleaned_data["email"].strip().lower())
        return redirect("selection:person", person=reference)


class PersonLinkMixin:
    """The person a search in this session found, by the reference in the URL;
    one this session does not hold (expired, or someone else's link) sends back
    to the search. Listed after the role check, so nobody else learns even that."""

    def dispatch(self, request, *args, **kwargs):
        self.email = reference_value(request.session, PEOPLE_SESSION_KEY, kwargs["person"])
        if self.email is None:
            messages.info(request, _("That page has expired. Search for the person again."))
            return redirect("selection:people")
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def subject(self) -> DataSubject:
        return data_subject_for(email=self.email)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("person", self.kwargs["person"])
        return super().get_context_data(subject=self.subject, **kwargs)


class PersonView(ProgrammeTeamMixin, PersonLinkMixin, TemplateView):
    """Everything held, the team's working on their applications included (marked
    as not released to them): the team needs all of it to answer a request."""

    template_name = "selection/privacy/person.html"

    def get_context_data(self, **kwargs):
        export = personal_data_of(subject=self.subject, selection_work=SelectionWork.values)
        privacy_services.personal_data_export_record(
            subject=self.subject, by=self.request.user, file_format="html", selection_work=SelectionWork.values
        )
        holds_anything = any(export.get(key) for key in SECTIONS)
        return super().get_context_data(
            export=export, sections=summary_sections(export), holds_anything=holds_anything, **kwargs
        )


class PersonExportView(ProgrammeTeamMixin, PersonLinkMixin, FormView):
    """The file for the person: what they have been told, and of the team's
    working only what the team chooses to release (recorded in the audit log)."""

    template_name = "selection/privacy/person_export.html"
    form_class = PersonExportForm

    def form_valid(self, form):
        chosen = form.cleaned_data["selection_work"]
        export = personal_data_of(subject=self.subject, selection_work=chosen)
        privacy_services.personal_data_export_record(
            subject=self.subject, by=self.request.user, file_format="json", selection_work=chosen
        )
        return json_download(export, filename=f"q-portal-subject-access-{timezone.localdate():%Y-%m-%d}.json")


class PersonEraseView(ProgrammeTeamMixin, PersonLinkMixin, ServiceFormView):
    template_name = "selection/privacy/erase.html"
    form_class = PersonEraseForm
    success_url = "selection:people"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "email": self.subject.email}

    def get_context_data(self, **kwargs):
        return super().get_context_data(in_selection=applications_in_selection(subject=self.subject), **kwargs)

    def call_service(self, form):
        return privacy_services.person_erase(
            subject=self.subject, reason=form.cleaned_data["reason"], by=self.request.user
        )

    def get_success_message(self):
        counts = self.outcome
        if counts["accounts_kept_as_placeholder"]:
            account = _("Their account is now an anonymous placeholder that keeps their reviews.")
        elif counts["accounts_deleted"]:
            account = _("Their account is deleted.")
        else:
            account = _("They had no account.")
        return (
            _("The person's data is erased. Applications anonymised: %(applications)s. Emails deleted: %(emails)s.")
            % {"applications": counts["applications_anonymised"], "emails": counts["emails_deleted"]}
            + " "
            + account
        )
