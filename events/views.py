"""Events, `/events/`: the list and each event (anyone); registering, the
waiting list, the confirmation with its QR code, .ics and the calendar feed
(signed in); organising, check-in, the pledge wall and feedback. Each change is
one service call."""

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from members.models import Organisation
from q_portal.roles import is_active_member, is_programme_team, needs_mfa_setup, redirect_to_mfa_setup
from q_portal.session_references import search_redirect, searched_text
from q_portal.views import ServiceActionView, ServiceConfirmView, ServiceFormView

from . import ics, selectors, services
from .choices import EventStatus
from .choices import RegistrationStatus as Status
from .forms import CheckInSearchForm, EventCreateForm, EventFilterForm, EventForm, EventPledgeForm, FeedbackForm
from .models import CalendarFeed, EventPledge, Registration
from .permissions import (
    can_manage_event,
    can_organise_events,
    get_confirmed_registration_or_404,
    get_event_or_404,
    get_managed_event_or_404,
    may_register,
    organiser_organisation_ids,
    registration_of,
)

# The names searched at the door, by reference (q_portal.session_references).
CHECK_IN_SEARCH_SESSION_KEY = "events.check_in.search"


class _StaffMfaMixin(AccessMixin):
    """Signed in; the programme team sees nothing here before setting up MFA."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if is_programme_team(request.user) and needs_mfa_setup(request.user):
            return redirect_to_mfa_setup(request)
        return super().dispatch(request, *args, **kwargs)


class OrganiserMixin(_StaffMfaMixin):
    """The programme team and regional partners' nominators (403 for others)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_organise_events(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class ManagedEventMixin(_StaffMfaMixin):
    """One event the user organises; any other answers 404 (whatever the method)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (is_programme_team(user) and needs_mfa_setup(user)):
            self.event  # noqa: B018 (404 before anything else for someone else's event)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def event(self):
        return get_managed_event_or_404(self.request.user, self.kwargs["pk"])


# --- Everyone --------------------------------------------------------------------


class EventListView(ListView):
    template_name = "events/list.html"
    context_object_name = "events"
    paginate_by = 20

    @cached_property
    def form(self):
        return EventFilterForm(self.request.GET or None)

    def get_queryset(self):
        criteria = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        return selectors.events_list(when=criteria.get("when") or "upcoming", region=criteria.get("region"))

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            form=self.form,
            past=self.form.is_bound and self.form.is_valid() and self.form.cleaned_data.get("when") == "past",
            can_organise=user.is_authenticated and can_organise_events(user),
            is_programme=is_programme_team(user),
            **kwargs,
        )


class EventDetailView(TemplateView):
    template_name = "events/detail.html"

    def get_context_data(self, **kwargs):
        event = get_event_or_404(self.kwargs["pk"])
        user = self.request.user
        registration = registration_of(user, event)
        taken = selectors.places_taken(event)
        confirmed = registration is not None and registration.status == Status.CONFIRMED
        return super().get_context_data(
            event=event,
            registration=registration,
            places_left=max(event.capacity - taken, 0),
            may_register=may_register(user, event) and not event.has_started,
            can_manage=can_manage_event(user, event),
            waiting_position=(
                selectors.waiting_position(registration)
                if registration is not None and registration.status == Status.WAITING
                else None
            ),
            show_online_link=confirmed and event.is_online and timezone.now() >= event.online_link_visible_from,
            can_pledge=confirmed and event.pledging_open and is_active_member(user),
            can_give_feedback=confirmed and event.is_past,
            series_events=selectors.series_events(event)[:10],
            **kwargs,
        )


# --- Registrants ---------------------------------------------------------------


class RegistrationActionView(LoginRequiredMixin, ServiceActionView):
    """Register, cancel (or leave the waiting list), accept an offered place."""

    action = ""

    @cached_property
    def event(self):
        return get_event_or_404(self.kwargs["pk"])

    def call_service(self):
        event, user = self.event, self.request.user
        if self.action == "register":
            return services.registration_register(event=event, user=user, by=user)
        registration = registration_of(user, event)
        if registration is None:
            raise Http404
        if self.action == "accept":
            return services.offer_accept(registration=registration, by=user)
        return services.registration_cancel(registration=registration, by=user)

    @property
    def waiting(self) -> bool:
        return self.action == "register" and self.outcome.status != Status.CONFIRMED

    def get_success_message(self):
        if self.waiting:
            return _("The event is full: you are on the waiting list.")
        return {
            "register": _("You are registered. We have emailed you a confirmation."),
            "accept": _("The place is yours. We have emailed you a confirmation."),
        }.get(self.action, _("Your registration is cancelled."))

    def get_success_level(self):
        return messages.INFO if self.waiting else messages.SUCCESS

    def get_success_url(self):
        return self.event.get_absolute_url()


class ConfirmationView(LoginRequiredMixin, TemplateView):
    """The registrant's confirmation, with the QR code the organisers scan at the door."""

    template_name = "events/confirmation.html"

    def get_context_data(self, **kwargs):
        event = get_event_or_404(self.kwargs["pk"])
        registration = get_confirmed_registration_or_404(self.request.user, event)
        url = self.request.build_absolute_uri(
            reverse("events:check_in_code", kwargs={"pk": event.pk, "code": registration.checkin_token})
        )
        qr = segno.make(url, error="m").svg_inline(scale=6, title=_("Your check-in code"), svgclass="events-qr")
        return super().get_context_data(event=event, registration=registration, qr=mark_safe(qr), **kwargs)  # noqa: S308 (segno's SVG of our own URL)


class EventIcsView(LoginRequiredMixin, View):
    def get(self, request, pk):
        event = get_event_or_404(pk)
        registration = registration_of(request.user, event)
        if not can_manage_event(request.user, event) and (
            registration is None or registration.status == Status.CANCELLED
        ):
            raise Http404
        response = HttpResponse(ics.event_ics(event), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="q-event-{event.pk}.ics"'
        return response


class CalendarFeedSettingsView(LoginRequiredMixin, TemplateView):
    """The person's private calendar address, and revoking it."""

    template_name = "events/calendar.html"

    def get_context_data(self, **kwargs):
        feed = CalendarFeed.objects.filter(user=self.request.user).first()
        feed_url = self.request.build_absolute_uri(reverse("events:feed", kwargs={"token": feed.token})) if feed else ""
        return super().get_context_data(feed=feed, feed_url=feed_url, **kwargs)

    def post(self, request):
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(user=request.user, by=request.user)
            messages.success(request, _("Your calendar has a new address. The old one no longer works."))
        else:
            services.calendar_feed_for(user=request.user, by=request.user)
        return redirect("events:calendar")


class CalendarFeedView(View):
    """The feed itself: the token is the only key (calendar apps cannot sign in)."""

    def get(self, request, token):
        feed = CalendarFeed.objects.select_related("user").filter(token=token[:64]).first()
        if feed is None or not feed.user.is_active:
            raise Http404
        body = ics.feed_ics(selectors.calendar_registrations(user=feed.user))
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=900"
        return response


class PledgeCreateView(LoginRequiredMixin, ServiceFormView):
    """A member pledges from their phone during the event."""

    template_name = "events/pledge.html"
    form_class = EventPledgeForm
    success_message = gettext_lazy("Thank you: your pledge is on the wall.")

    @cached_property
    def event(self):
        event = get_event_or_404(self.kwargs["pk"])
        get_confirmed_registration_or_404(self.request.user, event)
        if not is_active_member(self.request.user):
            raise Http404
        return event

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.event, **kwargs)

    def call_service(self, form):
        return services.event_pledge_create(
            event=self.event,
            member=self.request.user.member_profile,
            text=form.cleaned_data["text"],
            show_name=form.cleaned_data["show_name"],
            by=self.request.user,
        )

    def get_success_url(self):
        return reverse("events:pledge", kwargs={"pk": self.event.pk})


class FeedbackView(LoginRequiredMixin, ServiceFormView):
    template_name = "events/feedback.html"
    form_class = FeedbackForm
    success_message = gettext_lazy("Thank you for your feedback.")

    @cached_property
    def registration(self):
        event = get_event_or_404(self.kwargs["pk"])
        registration = get_confirmed_registration_or_404(self.request.user, event)
        registration.event = event
        return registration

    def get_initial(self):
        feedback = getattr(self.registration, "feedback", None)
        if feedback is None:
            return {}
        return {"rating": feedback.rating, "went_well": feedback.went_well, "improve": feedback.improve}

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.registration.event, **kwargs)

    def call_service(self, form):
        return services.feedback_submit(registration=self.registration, by=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.registration.event.get_absolute_url()


# --- The pledge wall -------------------------------------------------------------


def _wall_event(request, pk):
    """Organisers and those with a place see the wall (it is shown in the room)."""
    event = get_event_or_404(pk)
    if can_manage_event(request.user, event):
        return event
    get_confirmed_registration_or_404(request.user, event)
    return event


class PledgeWallView(_StaffMfaMixin, TemplateView):
    template_name = "events/wall.html"

    def get_context_data(self, **kwargs):
        event = _wall_event(self.request, self.kwargs["pk"])
        return super().get_context_data(event=event, entries=selectors.wall_entries(event=event), **kwargs)


class PledgeWallJsonView(_StaffMfaMixin, View):
    def get(self, request, pk):
        event = _wall_event(request, pk)
        response = JsonResponse({"pledges": selectors.wall_entries(event=event)})
        response["Cache-Control"] = "no-store"
        return response


# --- Organisers ----------------------------------------------------------------


def _organisations_for(user):
    if is_programme_team(user):
        return Organisation.objects.select_related("region").order_by("name")
    return Organisation.objects.filter(pk__in=organiser_organisation_ids(user)).order_by("name")


def _details(data) -> services.EventDetails:
    return services.EventDetails(
        **{
            name: data.get(name) or ("" if name in ("venue", "map_url", "online_url") else None)
            for name in services.EVENT_FIELDS
        }
    )


class EventInsightView(_StaffMfaMixin, TemplateView):
    """The programme team's view of events across the regions."""

    template_name = "events/insight.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_programme_team(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(rows=selectors.events_by_region(), **kwargs)


class _EventFormMixin:
    """The event form offers the organisations the person organises for (any, for
    the programme team, who may also leave it blank)."""

    template_name = "events/form.html"

    def get_form_kwargs(self):
        user = self.request.user
        return {
            **super().get_form_kwargs(),
            "organisations": _organisations_for(user),
            "may_leave_organisation_blank": is_programme_team(user),
        }


class EventCreateView(OrganiserMixin, _EventFormMixin, ServiceFormView):
    form_class = EventCreateForm
    success_message = gettext_lazy("The event is published.")

    def get_initial(self):
        organisations = list(_organisations_for(self.request.user)[:2])
        if len(organisations) == 1 and not is_programme_team(self.request.user):
            return {"organisation": organisations[0].pk, "region": organisations[0].region_id}
        return {}

    def call_service(self, form):
        return services.event_create(
            details=_details(form.cleaned_data),
            by=self.request.user,
            repeat=form.cleaned_data.get("repeat") or "",
            occurrences=form.cleaned_data.get("occurrences") or 1,
        )

    def get_success_url(self):
        first_of_series = self.outcome[0]
        return reverse("events:manage", kwargs={"pk": first_of_series.pk})


class EventEditView(ManagedEventMixin, _EventFormMixin, ServiceFormView):
    form_class = EventForm
    success_message = gettext_lazy("The event is saved.")

    def get_initial(self):
        event = self.event
        initial = {name: getattr(event, name) for name in services.EVENT_FIELDS}
        initial["starts_at"] = timezone.localtime(event.starts_at)
        initial["ends_at"] = timezone.localtime(event.ends_at)
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.event, **kwargs)

    def call_service(self, form):
        return services.event_update(event=self.event, details=_details(form.cleaned_data), by=self.request.user)

    def get_success_url(self):
        return reverse("events:manage", kwargs={"pk": self.event.pk})


class EventCancelView(ManagedEventMixin, View):
    def post(self, request, pk):
        services.event_cancel(event=self.event, by=request.user)
        messages.success(request, _("The event is cancelled and everyone registered has been told."))
        return redirect("events:manage", pk=pk)


class ManageView(ManagedEventMixin, TemplateView):
    """The organiser's page: places, waiting list, attendance, feedback, pledges."""

    template_name = "events/manage.html"

    def get_context_data(self, **kwargs):
        event = self.event
        return super().get_context_data(
            event=event,
            report=selectors.event_report(event=event),
            feedback=selectors.event_feedback(event=event)[:50],
            pledges=selectors.event_pledges(event=event, include_hidden=True),
            is_cancelled=event.status == EventStatus.CANCELLED,
            **kwargs,
        )


class PledgeHideView(ManagedEventMixin, View):
    def post(self, request, pk, pledge):
        pledge = get_object_or_404(EventPledge, pk=pledge, event=self.event)
        services.event_pledge_hide(pledge=pledge, by=request.user, hidden=request.POST.get("hidden") != "0")
        return redirect("events:manage", pk=pk)


class CheckInView(ManagedEventMixin, ServiceConfirmView):
    """At the door, from a phone: search the list and check people in. The name
    searched is posted and kept in the session (the URL carries a reference to it,
    never the name: no personal data in URLs)."""

    template_name = "events/check_in.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("q"):  # an old link or a typed URL: moved out of the address at once
            return self._search(request.GET)
        return super().get(request, *args, **kwargs)

    def _search(self, data):
        form = CheckInSearchForm(data)
        return search_redirect(
            self.request, CHECK_IN_SEARCH_SESSION_KEY, form.cleaned_data["q"] if form.is_valid() else ""
        )

    def get_context_data(self, **kwargs):
        query, expired = searched_text(self.request, CHECK_IN_SEARCH_SESSION_KEY)
        form = CheckInSearchForm({"q": query})
        query = form.cleaned_data["q"] if form.is_valid() else ""
        registrations = selectors.registrations_for_check_in(event=self.event, query=query)
        return super().get_context_data(
            event=self.event,
            form=form,
            query=query,
            search=self.request.GET.get("search", "") if query else "",
            search_expired=expired,
            registrations=registrations[:100],
            report=selectors.event_report(event=self.event),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "registration" not in request.POST:  # the search form
            return self._search(request.POST)
        return super().post(request, *args, **kwargs)

    @cached_property
    def registration(self):
        registration_id = self.request.POST.get("registration", "")
        if not registration_id.isdigit() or len(registration_id) > 12:
            raise Http404
        return get_object_or_404(Registration, pk=int(registration_id), event=self.event)

    @property
    def undo(self) -> bool:
        return self.request.POST.get("undo") == "1"

    def call_service(self):
        return services.registration_check_in(registration=self.registration, by=self.request.user, undo=self.undo)

    def get_success_message(self):
        name = {"name": self.registration.user.get_full_name()}
        return _("%(name)s is no longer checked in.") % name if self.undo else _("%(name)s is checked in.") % name

    def get_success_level(self):
        return messages.INFO if self.undo else messages.SUCCESS

    def get_success_url(self):
        # Back to the same search: the URL carries its reference, never the name.
        search = self.request.POST.get("search", "")[:100]
        url = reverse("events:check_in", kwargs={"pk": self.kwargs["pk"]})
        return f"{url}?{urlencode({'search': search})}" if search else url


class CheckInCodeView(ManagedEventMixin, ServiceConfirmView):
    """Where a registrant's QR code leads: the organiser confirms the check-in."""

    template_name = "events/check_in_code.html"

    @cached_property
    def registration(self):
        registration = (
            Registration.objects.select_related("user", "user__member_profile__organisation")
            .filter(event=self.event, checkin_token=self.kwargs["code"])
            .first()
        )
        if registration is None:
            raise Http404
        return registration

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.event, registration=self.registration, **kwargs)

    def call_service(self):
        return services.registration_check_in(registration=self.registration, by=self.request.user)

    def get_success_message(self):
        return _("%(name)s is checked in.") % {"name": self.registration.user.get_full_name()}

    def get_success_url(self):
        return reverse("events:check_in", kwargs={"pk": self.kwargs["pk"]})
