"""The programme team's email waves, `/programme/waves/`: list, compose (with the
recipient count before saving), preview with a sample recipient, send a test to
oneself, schedule, follow the progress (a JSON endpoint polled by
static/js/wave-progress.js; the page works by reloading without it), pause,
resume, cancel; and the deadline reminders of each round. Every view is for the
programme team only (and administrators); each change is one service call."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import ListView, TemplateView

from applications.models import Round
from q_portal.exceptions import PortalError
from q_portal.forms import page_number
from q_portal.roles import ProgrammeTeamMixin
from q_portal.views import ServiceActionView, ServiceFormView

from . import services
from .audiences import Audience, Recipient, SegmentKind, audience_count, audience_recipients
from .forms import ReminderDaysForm, ScheduleForm, WaveActionForm, WaveForm, WaveSampleForm
from .models import Wave, WaveStatus
from .selectors import (
    rounds_for_reminders,
    segment_filters,
    wave_failures,
    wave_progress,
    waves_for_programme,
)

FAILURES_PER_PAGE = 25
# How often the page asks for progress while a wave is being sent.
POLL_MILLISECONDS = 2000


class WaveMixin(ProgrammeTeamMixin):
    """The wave named in the URL, loaded only after the role check (404 if unknown)."""

    @cached_property
    def wave(self) -> Wave:
        return get_object_or_404(Wave.objects.select_related("round", "created_by"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(wave=self.wave, **kwargs)


def audience_summary(audience: Audience, round: Round | None) -> dict:
    """The audience in words with its counts, for the pages."""
    counts = audience_count(audience=audience, round=round)
    return {
        # A closed round's personal links lead to a page saying it has closed.
        "round_not_accepting": round is not None and not round.is_accepting,
        "audience_round": round,
        "audience": audience,
        "audience_total": counts.total,
        "audience_segments": [
            (SegmentKind(segment.kind).label, segment_filters(segment), count)
            for segment, count in zip(audience.segments, counts.by_segment, strict=True)
        ],
    }


class WaveListView(ProgrammeTeamMixin, ListView):
    template_name = "outreach/list.html"
    context_object_name = "waves"
    paginate_by = 25

    def get_queryset(self):
        return waves_for_programme()


class WaveFormMixin:
    """Compose or change a wave. The "Count recipients" button checks the form and
    shows how many people the audience reaches, without saving."""

    template_name = "outreach/form.html"
    form_class = WaveForm

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if "count" in request.POST:
            extra = {}
            if form.is_valid():
                extra = audience_summary(form.audience(), form.cleaned_data.get("round"))
            return self.render_to_response(self.get_context_data(form=form, counted=form.is_valid(), **extra))
        return super().post(request, *args, **kwargs)


class WaveCreateView(ProgrammeTeamMixin, WaveFormMixin, ServiceFormView):
    def call_service(self, form):
        return services.wave_create(by=self.request.user, **form.wave_arguments())

    def get_success_message(self):
        return _("%(name)s is saved as a draft.") % {"name": self.outcome.name}

    def get_success_url(self):
        return reverse("waves:detail", kwargs={"pk": self.outcome.pk})


class WaveEditView(WaveMixin, WaveFormMixin, ServiceFormView):
    unchanged_message = gettext_lazy("You did not change anything.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "wave": self.wave}

    def get(self, request, *args, **kwargs):
        if not self.wave.is_editable:
            return self._not_editable()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.wave.is_editable:
            return self._not_editable()
        return super().post(request, *args, **kwargs)

    def _not_editable(self):
        messages.info(
            self.request,
            _("This wave is %(status)s, so it can no longer be changed.")
            % {"status": self.wave.get_status_display().lower()},
        )
        return redirect("waves:detail", pk=self.wave.pk)

    def call_service(self, form):
        return services.wave_update(wave=self.wave, by=self.request.user, **form.wave_arguments())

    def get_success_message(self):
        return _("Your changes to %(name)s are saved.") % {"name": self.wave.name}

    def get_success_url(self):
        return reverse("waves:detail", kwargs={"pk": self.wave.pk})


class WaveDetailView(WaveMixin, TemplateView):
    template_name = "outreach/detail.html"

    def get_context_data(self, **kwargs):
        wave = self.wave
        context = {
            "progress": wave_progress(wave=wave),
            "actions": WAVE_ACTIONS,
            "available_actions": _available_actions(wave),
            "poll_ms": POLL_MILLISECONDS,
        }
        if wave.is_editable:
            context.update(audience_summary(Audience.from_json(wave.audience), wave.round))
        else:
            context["audience"] = Audience.from_json(wave.audience)
            context["audience_segments"] = [
                (SegmentKind(segment.kind).label, segment_filters(segment), None)
                for segment in context["audience"].segments
            ]
        failures = Paginator(wave_failures(wave=wave), FAILURES_PER_PAGE)
        context["failures_page"] = failures.get_page(page_number(self.request.GET))
        return super().get_context_data(**context, **kwargs)


# Every control the wave page can show: (action, button, hint, style). The page
# renders each one, hidden unless the wave's status allows it now, and the live
# progress script shows and hides them as the status changes.
WAVE_ACTIONS = [
    (
        WaveActionForm.PAUSE,
        _("Pause sending"),
        _("Emails stop within a few seconds. You can resume later."),
        "btn-secondary",
    ),
    (WaveActionForm.RESUME, _("Resume sending"), _("Sending carries on where it stopped."), "btn-primary"),
    (
        WaveActionForm.UNSCHEDULE,
        _("Unschedule"),
        _("Back to a draft: it will not be sent until you schedule it again."),
        "btn-secondary",
    ),
    (
        WaveActionForm.CANCEL,
        _("Cancel the wave"),
        _("Nothing more of it is sent. This cannot be undone."),
        "btn-danger",
    ),
]


def _available_actions(wave: Wave) -> list[str]:
    """The actions the wave's status allows now."""
    allowed = set(services.wave_next_statuses(wave))
    available = {
        WaveActionForm.PAUSE: WaveStatus.PAUSED in allowed,
        WaveActionForm.RESUME: wave.status == WaveStatus.PAUSED and WaveStatus.SENDING in allowed,
        WaveActionForm.UNSCHEDULE: wave.status == WaveStatus.SCHEDULED,
        WaveActionForm.CANCEL: WaveStatus.CANCELLED in allowed,
    }
    return [action for action, _label, _hint, _style in WAVE_ACTIONS if available[action]]


class WaveProgressView(WaveMixin, View):
    """The wave's status and counts as JSON, for the progress bar."""

    def get(self, request, *args, **kwargs):
        wave = self.wave
        progress = wave_progress(wave=wave)
        return JsonResponse(
            {
                "status": wave.status,
                "status_label": wave.get_status_display(),
                "finished": wave.is_finished,
                "actions": _available_actions(wave),
                **progress.as_json(),
            },
            headers={"Cache-Control": "no-store"},
        )


class WavePreviewView(WaveMixin, TemplateView):
    """The email as one of the audience would get it; `?sample=N` shows the Nth."""

    template_name = "outreach/preview.html"

    def get_context_data(self, **kwargs):
        wave = self.wave
        sample_form = WaveSampleForm(self.request.GET)
        number = (sample_form.is_valid() and sample_form.cleaned_data["sample"]) or 1
        audience = Audience.from_json(wave.audience)
        sample = next(audience_recipients(audience=audience, round=wave.round, offset=number - 1, limit=1), None)
        if sample is None and number > 1:
            number = 1
            sample = next(audience_recipients(audience=audience, round=wave.round, limit=1), None)
        if sample is None:
            # Nobody in the audience (yet): the team member stands in.
            sample = Recipient(
                address=self.request.user.email, name=self.request.user.display_name, application_id=None
            )
            number = 0
        rendered = services.wave_render(wave=wave, recipient=sample)
        return super().get_context_data(
            sample=sample,
            sample_number=number,
            next_sample=number + 1 if number else None,
            rendered=rendered,
            sample_form=sample_form,
            **kwargs,
        )


class WaveSendTestView(WaveMixin, ServiceActionView):
    def call_service(self):
        return services.wave_send_test(wave=self.wave, by=self.request.user)

    def get_success_message(self):
        return _("A test email is on its way to %(address)s.") % {"address": self.request.user.email}

    def get_success_url(self):
        return reverse("waves:preview", kwargs={"pk": self.wave.pk})


class WaveScheduleView(WaveMixin, ServiceFormView):
    template_name = "outreach/schedule.html"
    form_class = ScheduleForm

    def get(self, request, *args, **kwargs):
        if self.wave.status not in (WaveStatus.DRAFT, WaveStatus.SCHEDULED):
            messages.info(request, _("This wave has started, so it cannot be scheduled."))
            return redirect("waves:detail", pk=self.wave.pk)
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        if self.wave.scheduled_for:
            return {
                "when": ScheduleForm.LATER,
                "send_at": timezone.localtime(self.wave.scheduled_for).replace(second=0, microsecond=0),
            }
        return {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **audience_summary(Audience.from_json(self.wave.audience), self.wave.round), **kwargs
        )

    def call_service(self, form):
        self.sends_now = form.cleaned_data["send_at"] is None
        return services.wave_schedule(wave=self.wave, send_at=form.cleaned_data["send_at"], by=self.request.user)

    def get_success_message(self):
        wave = self.outcome
        if self.sends_now:
            return _("%(name)s is being sent.") % {"name": wave.name}
        return _("%(name)s will be sent at %(time)s (UK time).") % {
            "name": wave.name,
            "time": formats.date_format(timezone.localtime(wave.scheduled_for), r"H:i \o\n l j F Y"),
        }

    def get_success_url(self):
        return reverse("waves:detail", kwargs={"pk": self.outcome.pk})


class WaveActionView(WaveMixin, ServiceActionView):
    """Pause, resume, cancel or unschedule."""

    def call_service(self):
        wave, by = self.wave, self.request.user  # an unknown wave is a 404 whatever was posted
        form = WaveActionForm(self.request.POST)
        if not form.is_valid():
            raise PortalError(_("Choose something the wave can do."))
        self.action = form.cleaned_data["action"]
        if self.action == WaveActionForm.PAUSE:
            return services.wave_pause(wave=wave, by=by)
        if self.action == WaveActionForm.RESUME:
            return services.wave_resume(wave=wave, by=by)
        if self.action == WaveActionForm.UNSCHEDULE:
            return services.wave_unschedule(wave=wave, by=by)
        return services.wave_cancel(wave=wave, by=by)

    def get_success_message(self):
        name = self.wave.name
        if self.action == WaveActionForm.PAUSE:
            return _("%(name)s is paused.") % {"name": name}
        if self.action == WaveActionForm.RESUME:
            return _("%(name)s is being sent again.") % {"name": name}
        if self.action == WaveActionForm.UNSCHEDULE:
            return _("%(name)s is a draft again and will not be sent.") % {"name": name}
        return ngettext(
            "%(name)s is cancelled: %(count)s email will not be sent.",
            "%(name)s is cancelled: %(count)s emails will not be sent.",
            self.outcome,
        ) % {"name": name, "count": self.outcome}

    def get_success_url(self):
        return reverse("waves:detail", kwargs={"pk": self.wave.pk})


class ReminderListView(ProgrammeTeamMixin, TemplateView):
    """Each draft or open round's deadline reminders and the reminder waves made."""

    template_name = "outreach/reminders.html"

    def get_context_data(self, **kwargs):
        rounds = list(rounds_for_reminders()[:50])
        rows = []
        for round in rounds:
            days = services.reminder_days_of(round)
            made = {wave.reminder_days: wave for wave in round.reminder_waves}
            rows.append(
                (
                    round,
                    [(day, services.reminder_moment(round, day), made.get(day)) for day in days],
                )
            )
        return super().get_context_data(
            rows=rows,
            now=timezone.now(),
            subject=services.REMINDER_SUBJECT,
            body=services.REMINDER_BODY,
            **kwargs,
        )


class ReminderEditView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "outreach/reminder_form.html"
    form_class = ReminderDaysForm

    @cached_property
    def round(self) -> Round:
        return get_object_or_404(Round, pk=self.kwargs["pk"])

    def get_initial(self):
        return {"days": ", ".join(str(day) for day in services.reminder_days_of(self.round))}

    def get_context_data(self, **kwargs):
        return super().get_context_data(round=self.round, **kwargs)

    success_url = "waves:reminders"

    def call_service(self, form):
        return services.round_set_reminder_days(round=self.round, days=form.cleaned_data["days"], by=self.request.user)

    def get_success_message(self):
        round = self.outcome
        days = services.reminder_days_of(round)
        if days:
            return _("Applicants with a draft in %(round)s will be reminded %(days)s days before it closes.") % {
                "round": round.name,
                "days": _(" and ").join(str(day) for day in days),
            }
        return _("%(round)s has no deadline reminders.") % {"round": round.name}
