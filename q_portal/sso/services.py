"""Audit of single sign-on: every SSO sign-in, sign-up, link and unlink."""

from django.db import transaction

from q_portal.audit.services import audit_log


def _identity(account) -> dict:
    return {"provider": account.provider, "uid": account.uid}


@transaction.atomic
def sso_sign_in_record(*, user, sociallogin) -> None:
    """Audit a sign-in through an identity provider (and whether it asserted MFA)."""
    audit_log(
        actor=user,
        action="sso.sign_in",
        target=user,
        summary=f"Signed in with {sociallogin.provider.app.name}",
        changes={**_identity(sociallogin.account), "mfa_asserted": bool(sociallogin.state.get("portal_mfa"))},
    )


@transaction.atomic
def sso_sign_up_record(*, user, sociallogin) -> None:
    """Audit an account created through an identity provider."""
    audit_log(
        actor=user,
        action="sso.sign_up",
        target=user,
        summary=f"Account created with {sociallogin.provider.app.name}",
        changes=_identity(sociallogin.account),
    )


@transaction.atomic
def sso_link_record(*, user, account) -> None:
    """Audit an identity linked to a portal account (after its owner signed in)."""
    audit_log(
        actor=user,
        action="sso.link",
        target=user,
        summary=f"Linked {account.get_provider().app.name} identity",
        changes=_identity(account),
    )


@transaction.atomic
def sso_unlink_record(*, user, account) -> None:
    """Audit an identity removed from a portal account."""
    audit_log(
        actor=user,
        action="sso.unlink",
        target=user,
        summary=f"Removed {account.get_provider().app.name} identity",
        changes=_identity(account),
    )
