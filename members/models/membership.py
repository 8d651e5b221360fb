"""Membership: a member's profile, the curated interests, pledges, communities of
practice, messages between members (sent through the portal), abuse reports,
random coffee pairs and the growth target. Every change goes through
`members.services`."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from q_portal.choices import choice_label

from ..choices import (
    CommunityKind,
    CommunityStatus,
    InterestStatus,
    MembershipStatus,
    MemberSource,
    NotifyChoice,
    PledgeCategory,
    ReportStatus,
    RoleCategory,
    Visibility,
)
from .people import Organisation, Region


class Interest(models.Model):
    """An area of improvement interest or expertise. The programme team keeps a
    curated list (approved); members may suggest free ones, shown to others only
    once the team approves them."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(max_length=100, unique=True)
    status = models.CharField(max_length=10, choices=InterestStatus.choices, default=InterestStatus.APPROVED)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="interest_name_unique_ci")]
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self):
        return self.name


class MemberProfileQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=MembershipStatus.ACTIVE)

    def listed(self):
        """Profiles other members may see: active and not hidden."""
        return self.filter(status=MembershipStatus.ACTIVE, visibility=Visibility.MEMBERS)


class MemberProfile(models.Model):
    """A member of Q. Created by `member_create` (an accepted application, or the
    programme team adding founding members); the member completes the rest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_profile")
    membership_number = models.CharField(max_length=12, unique=True, null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE)
    source = models.CharField(max_length=20, choices=MemberSource.choices)
    joined_on = models.DateField(_("joined on"))
    cohort_name = models.CharField(_("cohort"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)

    full_name = models.CharField(_("name"), max_length=150)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    role_category = models.CharField(_("role"), max_length=20, choices=RoleCategory.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="member_profiles"
    )
    organisation_other = models.CharField(_("organisation not in the list"), max_length=200, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="member_profiles")

    bio = models.TextField(_("about you"), blank=True, max_length=3000)
    skills = models.TextField(_("skills you offer"), blank=True, max_length=1500)
    methods = models.TextField(_("improvement methods you use"), blank=True, max_length=1500)
    links = models.JSONField(default=list, blank=True)
    photo = models.FileField(max_length=200, blank=True)
    interests = models.ManyToManyField(Interest, blank=True, related_name="member_profiles")

    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS)
    contact_enabled = models.BooleanField(_("other members may contact me"), default=True)
    coffee_opt_in = models.BooleanField(_("pair me for random coffee"), default=False)

    # Kept up to date by the services (PostgreSQL only; a GIN index is added by
    # migration 0004 on PostgreSQL).
    search_vector = SearchVectorField(null=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberProfileQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "pk"]
        indexes = [
            models.Index(fields=["status", "visibility", "full_name"], name="member_listed_name"),
            models.Index(fields=["status", "visibility", "-joined_on"], name="member_listed_joined"),
            models.Index(fields=["cohort_name"], name="member_cohort"),
            # The directory's cohort filter: the distinct cohorts of listed members, read
            # from the index alone.
            models.Index(fields=["status", "visibility", "cohort_name"], name="member_listed_cohort"),
            models.Index(fields=["role_category"], name="member_role"),
            models.Index(fields=["joined_on"], name="member_joined"),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("members:profile", kwargs={"pk": self.pk})

    def get_role_category_display(self):
        return choice_label(RoleCategory, self.role_category)

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.full_name.split()[:2]).upper()

    @property
    def organisation_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.organisation_other

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def is_listed(self) -> bool:
        return self.status == MembershipStatus.ACTIVE and self.visibility == Visibility.MEMBERS


class Pledge(models.Model):
    """What a member will give back to the community. One per member, changed
    as they like; shown on the pledge wall."""

    member = models.OneToOneField(MemberProfile, on_delete=models.CASCADE, related_name="pledge")
    text = models.CharField(_("your pledge"), max_length=500)
    category = models.CharField(_("kind of pledge"), max_length=20, choices=PledgeCategory.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="pledge_newest"),
            models.Index(fields=["-updated_at", "-id"], name="pledge_latest_change"),
        ]

    def __str__(self):
        return self.text[:60]


class Community(models.Model):
    """A community of practice, created by the programme team."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(_("description"), max_length=3000)
    is_open = models.BooleanField(_("open for members to join"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(MemberProfile, through="CommunityMembership", related_name="communities")
    # Special interest groups (issue #17): proposed by a member, approved by the programme team.
    kind = models.CharField(max_length=20, choices=CommunityKind.choices, default=CommunityKind.PRACTICE)
    status = models.CharField(max_length=10, choices=CommunityStatus.choices, default=CommunityStatus.APPROVED)
    learning_question = models.CharField(_("the learning question it explores"), max_length=300, blank=True)
    welcome_message = models.TextField(_("welcome message"), max_length=2000, blank=True)
    proposed_by = models.ForeignKey(
        MemberProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="groups_proposed"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("communities")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("members:community", kwargs={"slug": self.slug})


class CommunityMembership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="community_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)
    is_convenor = models.BooleanField(default=False)
    notify = models.CharField(
        _("emails about new posts"), max_length=10, choices=NotifyChoice.choices, default=NotifyChoice.DIGEST
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "member"], name="one_membership_per_community")]

    def __str__(self):
        return f"{self.member} in {self.community}"


class ContactMessage(models.Model):
    """A message from one member to another, delivered by email through the
    outbox without either address. The recipient may reply through the portal;
    replying shares both addresses, which each agreed to (the sender when writing,
    the recipient when replying)."""

    sender = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="messages_sent")
    recipient = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="messages_received")
    body = models.TextField(_("your message"), max_length=3000)
    sent_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(_("your reply"), max_length=3000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(sender=F("recipient")), name="message_not_to_self"),
        ]
        indexes = [models.Index(fields=["sender", "-sent_at"], name="message_sender_sent")]

    def __str__(self):
        return f"{self.sender} to {self.recipient}"

    def get_absolute_url(self):
        return reverse("members:message", kwargs={"pk": self.pk})


class AbuseReport(models.Model):
    """A member's report of a message or a profile to the programme team."""

    reporter = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="reports_made")
    reported = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="reports_received")
    message = models.ForeignKey(
        ContactMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reason = models.TextField(_("what is wrong"), max_length=2000)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_status_created")]

    def __str__(self):
        return f"Report about {self.reported}"


class CoffeePairing(models.Model):
    """Two members paired for random coffee in a month (the first day of it)."""

    month = models.DateField()
    first = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="coffee_pair_ordered"),
            models.UniqueConstraint(fields=["month", "first"], name="coffee_first_once_a_month"),
            models.UniqueConstraint(fields=["month", "second"], name="coffee_second_once_a_month"),
        ]
        indexes = [models.Index(fields=["month"], name="coffee_month")]

    def __str__(self):
        return f"{self.month:%B %Y}: {self.first} and {self.second}"


class GrowthTarget(models.Model):
    """The membership target the programme team sets (one row)."""

    members = models.PositiveIntegerField(_("number of members"), default=5000)
    by_date = models.DateField(_("by"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.members} by {self.by_date}"


class MemberImport(models.Model):
    """A founding-members CSV waiting for the programme team to confirm it, kept
    here between the preview and the import (not in the session: a file of up to
    2 MB). Deleted when imported, or by the retention schedule a day later."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cohort_name = models.CharField(max_length=200)
    csv_text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.cohort_name} ({self.created_at:%Y-%m-%d %H:%M})"
