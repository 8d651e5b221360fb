"""The onboarding emails on days 3, 10 and 30 after joining (the welcome email is
`member_create`'s). Each is skipped when the member has already done its thing."""

from datetime import date, timedelta

from django.db import transaction
from django.template.loader import render_to_string

from q_portal.audit.services import audit_log
from q_portal.outbox.services import Stream, email_queue

from .. import panels
from ..emails import absolute_url
from ..models import CommunityMembership, MemberProfile, OnboardingStep, OnboardingTopic

# A missed daily run (the worker down for a few days) still sends within this window.
CATCH_UP_DAYS = 7
ACTION_URL = {
    OnboardingTopic.PROFILE: ("members:me_edit", {}),
    OnboardingTopic.GROUP: ("members:communities", {}),
    OnboardingTopic.EVENT: ("events:list", {}),
}


def _done(step: OnboardingStep, member: MemberProfile) -> bool:
    if step.topic == OnboardingTopic.PROFILE:
        return bool(member.bio and member.photo.name and member.interests.exists())
    if step.topic == OnboardingTopic.GROUP:
        return CommunityMembership.objects.filter(member=member).exists()
    check = panels.onboarding_check(step.topic)
    return bool(check and check(member=member))


def onboarding_send(*, today: date) -> int:
    """Queue the onboarding emails due today (or missed in the last week) to
    active members who have not yet done the step's thing. Once per member and
    step (the outbox key). Returns how many were queued."""
    queued = 0
    for step in OnboardingStep.objects.filter(is_active=True):
        due = today - timedelta(days=step.days_after_joining)
        members = (
            MemberProfile.objects.active()
            .filter(joined_on__lte=due, joined_on__gt=due - timedelta(days=CATCH_UP_DAYS))
            .select_related("user")
            .order_by("pk")
        )
        name, kwargs = ACTION_URL[step.topic]
        for member in members.iterator(chunk_size=500):
            if _done(step, member):
                continue
            with transaction.atomic():
                email_queue(
                    to=member.user.email,
                    subject=step.subject,
                    body_text=render_to_string(
                        "members/emails/onboarding.txt",
                        {"member": member, "step": step, "url": absolute_url(name, **kwargs)},
                    ),
                    key=f"members.onboarding.{step.topic}.{member.pk}",
                    stream=Stream.BULK,
                )
            queued += 1
    return queued


@transaction.atomic
def onboarding_step_update(*, step: OnboardingStep, by, subject: str, body: str, is_active: bool) -> OnboardingStep:
    """The programme team changes an onboarding email's wording. Side effect: an audit entry."""
    step.subject, step.body, step.is_active = subject, body, is_active
    step.full_clean()
    step.save(update_fields=["subject", "body", "is_active", "updated_at"])
    audit_log(actor=by, action="members.onboarding_step_update", target=step, summary=step.topic)
    return step
