"""Absolute links for members' emails."""

from django.conf import settings
from django.urls import reverse


def absolute_url(name: str, **kwargs) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)
