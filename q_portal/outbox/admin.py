from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..read_only_admin import ReadOnlyAdmin
from .models import OutboundEmail, Suppression
from .services import email_requeue


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """The outbox is a record of what was sent: rows change only through the
    services. Deleting one would also free its key, so it could be sent again."""

    list_display = ["to", "subject", "status", "stream", "batch", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "stream", "created_at"]
    search_fields = ["to", "subject", "key", "batch"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False
    actions = ["queue_again"]
    fields = [
        "to",
        "subject",
        "stream",
        "batch",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "key",
        "message_id",
        "headers",
        "body_text",
        "body_html",
    ]
    readonly_fields = fields

    def has_requeue_permission(self, request):
        return request.user.has_perm("outbox.change_outboundemail")

    @admin.action(description=_("Queue again (failed emails only)"), permissions=["requeue"])
    def queue_again(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        queued = email_requeue(email_ids=selected, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", queued) % {"count": queued},
            messages.SUCCESS,
        )
        if skipped := len(selected) - queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email was not queued again because it had not failed.",
                    "%(count)d emails were not queued again because they had not failed.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


class SuppressionForm(forms.ModelForm):
    class Meta:
        model = Suppression
        fields = ["email", "reason", "note"]

    def clean_email(self):
        # Suppressions are stored lower-cased so that matching ignores case.
        return self.cleaned_data["email"].strip().lower()


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    form = SuppressionForm
    list_display = ["email", "reason", "created_at", "note"]
    list_filter = ["reason"]
    search_fields = ["email", "note"]
    ordering = ["-created_at"]
    readonly_fields = ["created_at"]
