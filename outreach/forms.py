"""The programme team's forms for email waves. They check the shape of what is
typed and say every problem at once; the services check the same rules again
and their refusals come back on the same fields."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.choices import ApplicationOutcome
from applications.forms.rounds import UKDateTimeField
from applications.models import Round, Route
from members.choices import RoleCategory
from members.models import Region
from q_portal.exceptions import PortalError, add_portal_error
from q_portal.fields import SingleLineCharField

from .audiences import Audience, Combine, Segment, SegmentKind
from .models import DEFAULT_RATE_PER_MINUTE, MAX_RATE_PER_MINUTE, Wave
from .placeholders import check_placeholders, known_placeholders_sentence
from .services import REMINDER_DAYS_LIMIT


class RoundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class WaveForm(forms.Form):
    name = SingleLineCharField(
        label=_("Name"),
        max_length=200,
        help_text=_("For the programme team only, for example “Spring 2026: round opens”."),
        error_messages={"required": _("Enter a name for the wave.")},
    )
    round = RoundChoiceField(
        label=_("Round"),
        queryset=Round.objects.order_by("-opens_at"),
        required=False,
        empty_label=_("Not about a particular round"),
        help_text=_(
            "The round the wave is about. Needed for {{ round_name }} and {{ close_date }}, and for drafts "
            "and decision outcomes."
        ),
        error_messages={"invalid_choice": _("Choose a round from the list.")},
    )
    subject = SingleLineCharField(
        label=_("Subject line"),
        max_length=255,
        error_messages={"required": _("Enter the subject line.")},
    )
    body = forms.CharField(
        label=_("Message"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("Enter the message.")},
    )
    rate_per_minute = forms.IntegerField(
        label=_("Emails a minute"),
        min_value=1,
        max_value=MAX_RATE_PER_MINUTE,
        initial=DEFAULT_RATE_PER_MINUTE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("The most the mail provider accepts, across all senders together, for example 600."),
        error_messages={
            "required": _("Enter how many emails a minute may be sent."),
            "invalid": _("Enter the rate as a whole number, like 600."),
            "min_value": _("Send at least 1 email a minute."),
            "max_value": _("Enter %(limit_value)s emails a minute or fewer."),
        },
    )

    combine = forms.ChoiceField(
        label=_("Who gets it"),
        choices=Combine.choices,
        initial=Combine.ANY,
        widget=forms.RadioSelect,
        help_text=_("Someone in more than one group gets the wave once."),
        error_messages={"required": _("Choose how the groups are combined."), "invalid_choice": _("Choose one.")},
    )
    include_subscribers = forms.BooleanField(label=SegmentKind.SUBSCRIBERS.label, required=False)
    subscribers_region = forms.ModelChoiceField(
        label=_("Their region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Any region"),
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    subscribers_role = forms.ChoiceField(
        label=_("Their role"),
        choices=[("", _("Any role")), *RoleCategory.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose a role from the list.")},
    )
    include_route = forms.BooleanField(label=SegmentKind.ROUTE.label, required=False)
    route = forms.ModelChoiceField(
        label=_("Route"),
        queryset=Route.objects.all(),
        required=False,
        empty_label=_("Choose a route"),
        help_text=_("People who applied through this route, in any round."),
        error_messages={"invalid_choice": _("Choose a route from the list.")},
    )
    include_nominees = forms.BooleanField(label=SegmentKind.NOMINEES.label, required=False)
    nominees_region = forms.ModelChoiceField(
        label=_("Region of the nominating organisations"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Choose a region"),
        help_text=_("Nominations still standing (not declined or withdrawn), in the wave's round if it has one."),
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    include_drafts = forms.BooleanField(label=SegmentKind.DRAFTS.label, required=False)
    include_outcome = forms.BooleanField(label=SegmentKind.OUTCOME.label, required=False)
    outcome = forms.ChoiceField(
        label=_("Decision outcome"),
        choices=[
            ("", _("Choose an outcome")),
            *[(value, label) for value, label in ApplicationOutcome.choices if value],
        ],
        required=False,
        help_text=_("Only decisions already released to applicants."),
        error_messages={"invalid_choice": _("Choose an outcome from the list.")},
    )
    include_members = forms.BooleanField(label=SegmentKind.MEMBERS.label, required=False)
    members_region = forms.ModelChoiceField(
        label=_("Members' region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Any region"),
        help_text=_("Active members only."),
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )

    SEGMENT_FIELDS = {
        SegmentKind.SUBSCRIBERS: ("subscribers_region", "subscribers_role"),
        SegmentKind.ROUTE: ("route",),
        SegmentKind.NOMINEES: ("nominees_region",),
        SegmentKind.DRAFTS: (),
        SegmentKind.OUTCOME: ("outcome",),
        SegmentKind.MEMBERS: ("members_region",),
    }
    CONTENT_FIELDS = ("name", "round", "subject", "body", "rate_per_minute")

    def __init__(self, *args, wave: Wave | None = None, **kwargs):
        if wave is not None:
            kwargs["initial"] = {**self.initial_for(wave), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        placeholders = known_placeholders_sentence()
        self.fields["subject"].help_text = placeholders
        self.fields["body"].help_text = _(
            "%(placeholders)s Leave a blank line between paragraphs; web addresses become links. An unsubscribe "
            "link is added at the end of every email."
        ) % {"placeholders": placeholders}

    @classmethod
    def initial_for(cls, wave: Wave) -> dict:
        audience = Audience.from_json(wave.audience)
        initial = {field: getattr(wave, field) for field in cls.CONTENT_FIELDS}
        initial["combine"] = audience.combine
        for segment in audience.segments:
            initial[f"include_{segment.kind}"] = True
            if segment.kind == SegmentKind.SUBSCRIBERS:
                initial.update(subscribers_region=segment.region_id, subscribers_role=segment.role_category)
            elif segment.kind == SegmentKind.ROUTE:
                initial["route"] = segment.route_id
            elif segment.kind == SegmentKind.NOMINEES:
                initial["nominees_region"] = segment.region_id
            elif segment.kind == SegmentKind.OUTCOME:
                initial["outcome"] = segment.outcome
            elif segment.kind == SegmentKind.MEMBERS:
                initial["members_region"] = segment.region_id
        return initial

    def segment_blocks(self):
        """For the template: (include checkbox, its filter fields) per segment."""
        return [
            (self[f"include_{kind}"], [self[name] for name in names]) for kind, names in self.SEGMENT_FIELDS.items()
        ]

    def clean(self):
        cleaned = super().clean()
        has_round = cleaned.get("round") is not None
        for field in ("subject", "body"):
            if cleaned.get(field):
                try:
                    check_placeholders(cleaned[field], field=field, has_round=has_round)
                except PortalError as error:
                    add_portal_error(self, error)
        if "\n" in cleaned.get("subject", "") or "\r" in cleaned.get("subject", ""):
            self.add_error("subject", _("The subject must be a single line."))
        required_choice = {
            "route": _("Choose the eligibility route."),
            "nominees_region": _("Choose the region whose organisations' nominees get the wave."),
            "outcome": _("Choose the decision outcome."),
        }
        for kind, names in self.SEGMENT_FIELDS.items():
            if not cleaned.get(f"include_{kind}"):
                continue
            for name in names:
                if name in required_choice and not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, required_choice[name])
        if not self.errors or set(self.errors) <= set(self.CONTENT_FIELDS):
            audience = self.audience()
            try:
                audience.check(round=cleaned.get("round"))
            except PortalError as error:
                add_portal_error(self, error)
        return cleaned

    def audience(self) -> Audience:
        cleaned = self.cleaned_data
        segments = []
        for kind in SegmentKind:
            if not cleaned.get(f"include_{kind}"):
                continue
            if kind == SegmentKind.SUBSCRIBERS:
                region = cleaned.get("subscribers_region")
                segment = Segment(
                    kind, region_id=region.pk if region else None, role_category=cleaned.get("subscribers_role") or ""
                )
            elif kind == SegmentKind.ROUTE:
                route = cleaned.get("route")
                segment = Segment(kind, route_id=route.pk if route else None)
            elif kind == SegmentKind.NOMINEES:
                region = cleaned.get("nominees_region")
                segment = Segment(kind, region_id=region.pk if region else None)
            elif kind == SegmentKind.OUTCOME:
                segment = Segment(kind, outcome=cleaned.get("outcome") or "")
            elif kind == SegmentKind.MEMBERS:
                region = cleaned.get("members_region")
                segment = Segment(kind, region_id=region.pk if region else None)
            else:
                segment = Segment(kind)
            segments.append(segment)
        return Audience(combine=cleaned.get("combine") or Combine.ANY, segments=tuple(segments))

    def wave_arguments(self) -> dict:
        """The keyword arguments of `wave_create` / `wave_update`."""
        return {
            **{field: self.cleaned_data[field] for field in self.CONTENT_FIELDS},
            "audience": self.audience(),
        }


class ScheduleForm(forms.Form):
    NOW, LATER = "now", "later"

    when = forms.ChoiceField(
        label=_("When should it be sent?"),
        choices=[(NOW, _("Now")), (LATER, _("At a time I choose"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose when to send the wave."),
            "invalid_choice": _("Choose when to send the wave."),
        },
    )
    send_at = UKDateTimeField(
        label=_("Date and time"),
        required=False,
        help_text=_("In UK time, for example 2026-03-02 09:00. Only if you chose a time."),
        error_messages={"invalid": _("Enter the date and time as a real date and time, like 2026-03-02 09:00.")},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == self.LATER and not cleaned.get("send_at") and "send_at" not in self.errors:
            self.add_error("send_at", _("Enter the date and time to send the wave."))
        if cleaned.get("when") == self.NOW:
            cleaned["send_at"] = None
        return cleaned


class WaveActionForm(forms.Form):
    PAUSE, RESUME, CANCEL, UNSCHEDULE = "pause", "resume", "cancel", "unschedule"

    action = forms.ChoiceField(
        choices=[(PAUSE, PAUSE), (RESUME, RESUME), (CANCEL, CANCEL), (UNSCHEDULE, UNSCHEDULE)],
        widget=forms.HiddenInput,
    )


_DAYS_SEPARATOR = re.compile(r"[\s,;]+")


class ReminderDaysForm(forms.Form):
    days = forms.CharField(
        label=_("Days before closing"),
        required=False,
        max_length=100,
        help_text=_(
            "Applicants with an unsubmitted draft get a reminder this many days before the round closes. "
            "Separate several with commas, for example 7, 1. Leave it empty for no reminders."
        ),
    )

    def clean_days(self):
        text = self.cleaned_data["days"].strip()
        if not text:
            return []
        days = []
        for part in _DAYS_SEPARATOR.split(text):
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(
                    _("Enter whole numbers of days separated by commas, like 7, 1. “%(part)s” is not one."),
                    params={"part": part[:20]},
                )
            day = int(part)
            if not 1 <= day <= REMINDER_DAYS_LIMIT:
                raise forms.ValidationError(
                    _("Each reminder must be between 1 and %(limit)s days before closing."),
                    params={"limit": REMINDER_DAYS_LIMIT},
                )
            days.append(day)
        return days


class WaveSampleForm(forms.Form):
    """Which of the audience a preview shows (`?sample=N`, from 1)."""

    sample = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)
