from django.db import models
from django.db.models.functions import Lower

from members.models import Region

from ..choices import RoleCategory, SubscriptionStatus


class UpdateSubscription(models.Model):
    """Someone who asked to hear when the next opportunity to apply opens. Double
    opt-in: only confirmed subscriptions receive recruitment emails."""

    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    role_category = models.CharField(max_length=20, choices=RoleCategory.choices, blank=True)
    status = models.CharField(max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING)
    consented_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(Lower("email"), name="update_subscription_email_unique_ci")]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return self.email
