"""The applicant's area, `/apply/`: eligibility, the application in short steps,
check your answers, submit, status, withdraw, download."""

import json

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from members.selectors import organisation_named
from q_portal.exceptions import PortalError
from q_portal.roles import is_active_member
from q_portal.sso.selectors import organisation_claim_for
from q_portal.views import ServiceConfirmView, ServiceFormView

from ..choices import ApplicationStatus, RoundStatus, RouteKind
from ..forms.applicant import AboutYouForm, AdjustmentForm, CriterionForm, DeclarationsForm, EligibilityForm, RouteForm
from ..models import Application
from ..permissions import get_application_for_applicant_or_404
from ..selectors.applications import (
    applicant_data_export,
    application_sections,
    applications_of,
    next_round_expected,
    rounds_announced,
    rounds_open_for_applications,
)
from ..services import applications as services
from ..validators import count_words

RESCUE_KEY = "applications:unsaved:"


class RescueUnsavedAnswersMixin:
    """If a session expired while someone was writing, their POST arrives signed
    out. Keep what they typed in the new session, send them to sign in, and put it
    back in the form when they return (signing in keeps the session's data)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated and request.method == "POST":
            request.session[RESCUE_KEY + request.path] = {
                key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"
            }
            messages.info(request, _("Your session had ended. Sign in again: we kept what you typed."))
            return redirect_to_login(request.path)
        return super().dispatch(request, *args, **kwargs)

    def rescued_answers(self):
        saved = self.request.session.pop(RESCUE_KEY + self.request.path, None)
        if saved is None:
            return None
        data = QueryDict(mutable=True)
        for key, values in saved.items():
            data.setlist(key, values)
        return data


class VerifiedApplicantMixin:
    """A signed-in person with a confirmed email address; a visitor is sent to sign
    in (or up) and comes back here."""

    def dispatch(self, request, *args, **kwargs):
        return verified_email_required(super().dispatch)(request, *args, **kwargs)


class ApplicantHomeView(VerifiedApplicantMixin, TemplateView):
    template_name = "applications/applicant_home.html"

    def get_context_data(self, **kwargs):
        applications = applications_of(applicant=self.request.user)
        applied_rounds = {application.round_id for application in applications}
        return super().get_context_data(
            applications=applications,
            open_rounds=[r for r in rounds_open_for_applications() if r.pk not in applied_rounds],
            next_round=next_round_expected(),
            **kwargs,
        )


class EligibilityView(VerifiedApplicantMixin, FormView):
    template_name = "applications/eligibility.html"
    form_class = EligibilityForm

    def dispatch(self, request, *args, **kwargs):
        self.round = rounds_open_for_applications().filter(pk=kwargs["round_pk"]).first()
        if self.round is None:
            return self.round_not_open(request, round_pk=kwargs["round_pk"])
        return super().dispatch(request, *args, **kwargs)

    def round_not_open(self, request, *, round_pk: int):
        """A link to a round that is not taking applications (an old email's, say):
        the person's own application if they have one, else what happened to the
        round and how to hear about the next one. A draft round stays private."""
        round = get_object_or_404(rounds_announced(), pk=round_pk)
        if request.user.is_authenticated:
            existing = Application.objects.filter(applicant=request.user.pk, round=round).first()
            if existing is not None:
                return redirect(existing.get_absolute_url())
        not_yet_open = round.status == RoundStatus.OPEN and round.opens_at > timezone.now()
        return render(
            request,
            "applications/round_not_open.html",
            {"round": round, "not_yet_open": not_yet_open, "next_round": next_round_expected()},
        )

    def get(self, request, *args, **kwargs):
        existing = Application.objects.filter(applicant=request.user.pk, round=self.round).first()
        if existing is not None:
            return redirect(existing.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def self_selected_routes(self):
        return [route for route in self.round.routes.all() if route.kind != RouteKind.NOMINATED]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "routes": self.self_selected_routes()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(round=self.round, **kwargs)

    def form_valid(self, form):
        route = form.route_decided()
        if route is None:
            return render(
                self.request,
                "applications/not_eligible.html",
                {"round": self.round, "routes": self.self_selected_routes(), "next_round": next_round_expected()},
            )
        try:
            application = services.application_start(applicant=self.request.user, round=self.round, route=route)
        except PortalError as error:
            messages.error(self.request, error.message)
            return redirect("applications:applicant_home")
        messages.success(self.request, _("You can apply through this route: %(route)s.") % {"route": route.name})
        return redirect(application.get_absolute_url())


class ApplicationMixin(RescueUnsavedAnswersMixin, VerifiedApplicantMixin):
    """Loads the signed-in applicant's own application (404 for anyone else's)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.application = get_application_for_applicant_or_404(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)

    def open_for_changes(self) -> bool:
        """A draft in a round still taking applications; otherwise the status page says why not."""
        return self.application.status == ApplicationStatus.DRAFT and self.application.round.is_accepting


class TaskListView(ApplicationMixin, TemplateView):
    template_name = "applications/task_list.html"

    def get(self, request, *args, **kwargs):
        if not self.open_for_changes():
            return redirect("applications:status", pk=self.application.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        sections = application_sections(self.application)
        return super().get_context_data(
            sections=sections,
            completed=sum(section.state == "completed" for section in sections),
            section_urls={section.key: section_url(self.application, section.key) for section in sections},
            **kwargs,
        )


def section_url(application: Application, key: str) -> str:
    if key.startswith("criterion-"):
        return reverse(
            "applications:criterion", kwargs={"pk": application.pk, "letter": key.removeprefix("criterion-")}
        )
    return reverse(f"applications:{key}", kwargs={"pk": application.pk})


def section_keys(application: Application) -> list[str]:
    return ["about", "route", *(f"criterion-{c.letter}" for c in application.round.criteria.all()), "declarations"]


class SectionView(ApplicationMixin, FormView):
    """One step of the application. "Save and continue" saves whatever is given and
    moves on; "Save and come back later" saves and emails a link back."""

    template_name = "applications/section.html"
    section = ""
    title = ""

    def get(self, request, *args, **kwargs):
        if not self.open_for_changes():
            return redirect("applications:status", pk=self.application.pk)
        rescued = self.rescued_answers()
        if rescued is not None:
            return self.render_to_response(
                self.get_context_data(form=self.get_form_class()(**{**self.get_form_kwargs(), "data": rescued}))
            )
        return super().get(request, *args, **kwargs)

    def extra_form_kwargs(self):
        return {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self.extra_form_kwargs()}

    def section_key(self):
        return self.section

    def get_title(self):
        return self.title

    def get_context_data(self, **kwargs):
        keys = section_keys(self.application)
        position = keys.index(self.section_key())
        return super().get_context_data(
            title=self.get_title(),
            step=position + 1,
            steps=len(keys),
            back_url=section_url(self.application, keys[position - 1])
            if position
            else self.application.get_absolute_url(),
            **kwargs,
        )

    def next_url(self):
        keys = section_keys(self.application)
        position = keys.index(self.section_key())
        if position + 1 < len(keys):
            return section_url(self.application, keys[position + 1])
        return reverse("applications:check", kwargs={"pk": self.application.pk})

    def form_valid(self, form):
        try:
            self.save(form.cleaned_data)
        except PortalError as error:
            messages.error(self.request, error.message)
            return redirect("applications:status", pk=self.application.pk)
        return self.after_save()

    def after_save(self):
        if "save_later" in self.request.POST:
            services.application_email_return_link(application=self.application, by=self.request.user)
            messages.success(
                self.request,
                _("Your answers are saved. We have emailed you a link to come back to your application."),
            )
            return redirect(self.application.get_absolute_url())
        if self.request.GET.get("return") == "check":
            return redirect("applications:check", pk=self.application.pk)
        return redirect(self.next_url())

    def save(self, cleaned_data):
        services.application_save_section(
            application=self.application, by=self.request.user, section=self.section, values=cleaned_data
        )


class AboutYouView(SectionView):
    form_class = AboutYouForm
    section = "about"
    title = _("About you")

    def get_initial(self):
        a = self.application
        initial = {
            "full_name": a.full_name,
            "job_title": a.job_title,
            "role_category": a.role_category,
            "organisation": a.organisation_id,
            "organisation_other": a.organisation_other,
            "region": a.region_id,
        }
        self.organisation_suggestion = None
        if not a.organisation_id and not a.organisation_other:
            # A work identity's organisation claim, offered for the person to confirm
            # by saving; conflicts of interest use only what they save.
            self.organisation_suggestion = organisation_claim_for(user=self.request.user)
        if self.organisation_suggestion:
            name = self.organisation_suggestion["organisation"]
            known = organisation_named(name=name)
            initial.update({"organisation": known.pk} if known else {"organisation_other": name})
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, and so the suggestion
        context["organisation_suggestion"] = getattr(self, "organisation_suggestion", None)
        return context


class RouteView(SectionView):
    form_class = RouteForm
    template_name = "applications/route.html"
    section = "route"
    title = _("Your route and evidence")

    def extra_form_kwargs(self):
        return {"round": self.application.round}

    def get_initial(self):
        a = self.application
        return {
            "route": a.route_id,
            "route_course": a.route_course_id,
            "route_organisation": a.route_organisation_id,
            "route_evidence": a.route_evidence,
        }


class CriterionView(SectionView):
    form_class = CriterionForm
    template_name = "applications/criterion.html"

    def get_criterion(self):
        for criterion in self.application.round.criteria.all():
            if criterion.letter == self.kwargs["letter"]:
                return criterion
        raise Http404

    def section_key(self):
        return f"criterion-{self.kwargs['letter']}"

    def extra_form_kwargs(self):
        return {"criterion": self.get_criterion()}

    def get_initial(self):
        criterion = self.get_criterion()
        for response in self.application.responses.all():
            if response.criterion_id == criterion.pk:
                return {"text": response.text}
        return {}

    def get_title(self):
        return self.get_criterion().title

    def get_context_data(self, **kwargs):
        return super().get_context_data(criterion=self.get_criterion(), **kwargs)

    def save(self, cleaned_data):
        services.application_save_response(
            application=self.application,
            by=self.request.user,
            criterion=self.get_criterion(),
            text=cleaned_data["text"],
        )

    def form_invalid(self, form):
        # Over the word limit: keep the answer in the draft anyway, and say so.
        if set(form.errors) == {"text"} and all(e.code == "word_limit" for e in form.errors.as_data()["text"]):
            try:
                self.save({"text": form.data.get(form.add_prefix("text"), "").strip()})
            except PortalError as error:
                messages.error(self.request, error.message)
        return super().form_invalid(form)


class DeclarationsView(SectionView):
    form_class = DeclarationsForm
    section = "declarations"
    title = _("Declarations and consent")

    def get_initial(self):
        return {
            "declares_true": self.application.declares_true,
            "consents_to_processing": self.application.consents_to_processing,
        }


class AdjustmentView(ApplicationMixin, ServiceFormView):
    """Ask for a reasonable adjustment; possible until a decision, even when the
    application is submitted."""

    template_name = "applications/adjustment.html"
    form_class = AdjustmentForm
    success_message = gettext_lazy("Your request for an adjustment is saved. The programme team will reply.")

    def get_initial(self):
        return {"adjustment_request": self.application.adjustment_request}

    def call_service(self, form):
        return services.application_request_adjustment(
            application=self.application, by=self.request.user, request_text=form.cleaned_data["adjustment_request"]
        )

    def get_success_url(self):
        return self.application.get_absolute_url()


class CheckAnswersView(ApplicationMixin, ServiceConfirmView):
    """Every answer with a link to change it, then submit."""

    template_name = "applications/check_answers.html"

    def get_context_data(self, **kwargs):
        sections = application_sections(self.application)
        return super().get_context_data(
            sections=sections,
            incomplete=[section for section in sections if section.state != "completed"],
            criteria=criterion_answers(self.application),
            section_urls={section.key: section_url(self.application, section.key) for section in sections},
            **kwargs,
        )

    def call_service(self):
        return services.application_submit(application=self.application, by=self.request.user)

    def get_success_url(self):
        return reverse("applications:submitted", kwargs={"pk": self.application.pk})

    def get_error_url(self):
        return reverse("applications:check", kwargs={"pk": self.application.pk})


class SubmittedView(ApplicationMixin, TemplateView):
    template_name = "applications/submitted.html"

    def get(self, request, *args, **kwargs):
        if self.application.status != ApplicationStatus.SUBMITTED:
            return redirect("applications:status", pk=self.application.pk)
        return super().get(request, *args, **kwargs)


class StatusView(ApplicationMixin, TemplateView):
    template_name = "applications/status.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            criteria=criterion_answers(self.application), is_member=is_active_member(self.request.user), **kwargs
        )


def criterion_answers(application: Application) -> list[tuple]:
    """(criterion, response or None, words) for each of the round's criteria."""
    responses = {response.criterion_id: response for response in application.responses.all()}
    return [
        (criterion, responses.get(criterion.pk), count_words(getattr(responses.get(criterion.pk), "text", "")))
        for criterion in application.round.criteria.all()
    ]


class ApplicationActionView(ApplicationMixin, ServiceConfirmView):
    """A confirmation page (GET) and the action itself (POST): `service` is
    called with the application; a refusal goes to its status page."""

    service = None

    def call_service(self):
        return type(self).service(application=self.application, by=self.request.user)

    def get_success_url(self):
        return self.success_url or self.get_error_url()

    def get_error_url(self):
        return reverse("applications:status", kwargs={"pk": self.application.pk})


class WithdrawView(ApplicationActionView):
    template_name = "applications/withdraw.html"
    service = services.application_withdraw
    success_message = gettext_lazy("Your application has been withdrawn.")


class ReopenView(ApplicationActionView):
    template_name = "applications/reopen.html"
    service = services.application_reopen
    success_message = gettext_lazy("Your application is open for changes. Submit it again before the deadline.")

    def get_success_url(self):
        return self.application.get_absolute_url()


class DeleteDraftView(ApplicationActionView):
    template_name = "applications/delete.html"
    service = services.application_delete_draft
    success_message = gettext_lazy("Your draft has been deleted.")
    success_url = "applications:applicant_home"


class DownloadView(VerifiedApplicantMixin, View):
    """Everything the person gave us, as a JSON file."""

    def get(self, request):
        export = applicant_data_export(user=request.user)
        response = HttpResponse(
            json.dumps(export, indent=2, ensure_ascii=False, default=str), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="q-portal-my-data.json"'
        return response


class KeepAliveView(View):
    """The session-timeout warning's "Stay signed in" button: touching the session
    restarts its inactivity clock: a changed session is written at once
    (q_portal.sessions)."""

    def post(self, request):
        if not request.user.is_authenticated:
            return HttpResponse(status=401)
        request.session["keepalive"] = True
        if request.headers.get("Accept", "").startswith("application/json"):
            return HttpResponse(status=204)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("applications:applicant_home")
        return HttpResponseRedirect(target)
