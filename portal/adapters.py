from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from portal.keys import core as keys
from portal.keys import mfa
from portal.models import Insurer
from portal.roles import home_url, needs_mfa


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return home_url(request.user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # The e-mails speak as the portal (templates/account/email/), also when no request
        # brings the context processor's insurer.
        context.setdefault("insurer", Insurer.current())
        super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject: str) -> str:
        insurer = Insurer.current()
        prefix = f"[{insurer.portal_name}] " if insurer else ""
        return prefix + str(subject)


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        insurer = Insurer.current()
        return insurer.portal_name if insurer else super().get_totp_issuer()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Staff and employers keep their second factor; replacing it goes through support.
        if authenticator.type == Authenticator.Type.TOTP and needs_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)

    # TOTP secrets and recovery-code seeds are sealed at rest, so that a database dump alone
    # cannot mint codes; under MFA_SECRET_KEYS, checked against the data before use
    # (portal.keys), so that SECRET_KEY can change without breaking second factors.
    def encrypt(self, text: str) -> str:
        keys.ensure(mfa.GROUP)
        return mfa.seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        keys.ensure(mfa.GROUP)
        try:
            return mfa.unseal(encrypted_text)
        except mfa.MFASecretError:
            raise mfa.MFASecretUnreadable(encrypted_text) from None
