"""The onboarding sequence after someone takes up a place: after the welcome
email (sent by `member_create`), emails on days 3, 10 and 30 that each introduce
one thing, skipped when the member has already done it. The programme team edits
their wording."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OnboardingTopic(models.TextChoices):
    PROFILE = "profile", _("Complete your profile")
    GROUP = "group", _("Join a group")
    EVENT = "event", _("Come to an event")


class OnboardingStep(models.Model):
    topic = models.CharField(max_length=10, choices=OnboardingTopic.choices, unique=True)
    days_after_joining = models.PositiveSmallIntegerField(_("days after joining"))
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(
        _("message"), max_length=3000, help_text=_("The greeting and the link to act on are added for you.")
    )
    is_active = models.BooleanField(_("send this email"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["days_after_joining"]

    def __str__(self):
        return self.get_topic_display()
