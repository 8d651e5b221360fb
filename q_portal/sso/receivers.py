"""allauth's signals, turned into the portal's audit rows and session facts."""

from allauth.account.signals import user_logged_in, user_signed_up
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.dispatch import receiver

from . import services
from .session import remember_sign_in


@receiver(user_logged_in, dispatch_uid="sso_user_logged_in")
def on_user_logged_in(sender, request, user, sociallogin=None, **kwargs):
    remember_sign_in(request, user=user, sociallogin=sociallogin)
    if sociallogin is not None:
        services.sso_sign_in_record(user=user, sociallogin=sociallogin)


@receiver(user_signed_up, dispatch_uid="sso_user_signed_up")
def on_user_signed_up(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is not None:
        services.sso_sign_up_record(user=user, sociallogin=sociallogin)


@receiver(social_account_added, dispatch_uid="sso_social_account_added")
def on_social_account_added(sender, request, sociallogin, **kwargs):
    services.sso_link_record(user=sociallogin.user, account=sociallogin.account)


@receiver(social_account_removed, dispatch_uid="sso_social_account_removed")
def on_social_account_removed(sender, request, socialaccount, **kwargs):
    services.sso_unlink_record(user=socialaccount.user, account=socialaccount)
