"""Discussions in a community or special interest group: threads of posts
written in Markdown (rendered and sanitised when saved), with @mentions,
reports and moderation. Every change goes through `members.services.discussions`."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .membership import Community, MemberProfile


class Thread(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="threads_started")
    created_at = models.DateTimeField(auto_now_add=True)
    last_post_at = models.DateTimeField()
    locked = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["-last_post_at", "-pk"]
        indexes = [models.Index(fields=["community", "hidden", "-last_post_at"], name="thread_community_latest")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("members:thread", kwargs={"slug": self.community.slug, "pk": self.pk})


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="posts")
    body = models.TextField(_("your post"), max_length=10000)
    # The body rendered from Markdown and sanitised, once, when written.
    body_html = models.TextField(editable=False)
    mentions = models.ManyToManyField(MemberProfile, blank=True, related_name="mentioned_in")
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["thread", "created_at"], name="post_thread_created"),
            models.Index(fields=["created_at"], name="post_created"),
        ]

    def __str__(self):
        return self.body[:60]


class PostReport(models.Model):
    """A member's report of a post to the group's convenors and the programme team."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="post_reports")
    reason = models.TextField(_("what is wrong"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="one_report_per_post_reporter")]

    def __str__(self):
        return f"Report on post {self.post_id}"
