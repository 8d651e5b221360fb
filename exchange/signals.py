"""The call's kept figures (`selectors.call_counts`) removed when what they count
changes: an idea, a comment, a support or a team membership saved or deleted
(by a service, the admin, or a cascade when a member's data is erased)."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .models import Comment, Idea, Support, TeamMembership
from .selectors import call_counts_key


def _idea_changed(sender, instance: Idea, **kwargs) -> None:
    _forget(instance.call_id)


def _idea_figure_changed(sender, instance, **kwargs) -> None:
    call_id = Idea.objects.filter(pk=instance.idea_id).values_list("call_id", flat=True).first()
    if call_id is not None:
        _forget(call_id)


def _forget(call_id: int) -> None:
    # After the commit: a view counting before it would otherwise keep the old figures.
    transaction.on_commit(lambda: cache.delete(call_counts_key(call_id)))


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_idea_changed, sender=Idea, dispatch_uid=f"call-counts-idea-{signal is post_save}")
        for model in (Comment, Support, TeamMembership):
            signal.connect(
                _idea_figure_changed, sender=model, dispatch_uid=f"call-counts-{model.__name__}-{signal is post_save}"
            )
