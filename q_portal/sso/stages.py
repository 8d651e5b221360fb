"""allauth's MFA sign-in stage, which also accepts the identity provider's word.

A sign-in through a provider whose verified ID token asserts multi-factor
authentication (see `config.provider_asserts_mfa`) is not asked for the portal's
own code; every other sign-in is, exactly as allauth does."""

from allauth.mfa.stages import AuthenticateStage


def sociallogin_asserted_mfa(login) -> bool:
    sociallogin = (login.signal_kwargs or {}).get("sociallogin")
    return bool(sociallogin is not None and sociallogin.state.get("portal_mfa"))


class ProviderAwareAuthenticateStage(AuthenticateStage):
    def _should_handle(self, request) -> bool:
        if sociallogin_asserted_mfa(self.login):
            return False
        return super()._should_handle(request)
