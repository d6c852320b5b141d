from __future__ import annotations

import base64
import hashlib
import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.http import HttpRequest

from portal.models import Insurer
from portal.roles import home_url, needs_mfa


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return home_url(request.user)

    def format_email_subject(self, subject: str) -> str:
        insurer = Insurer.current()
        prefix = f"[{insurer.portal_name}] " if insurer else ""
        return prefix + str(subject)


def _mfa_key() -> bytes:
    return hashlib.sha256(b"portal.mfa-secrets:" + settings.SECRET_KEY.encode()).digest()


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        insurer = Insurer.current()
        return insurer.portal_name if insurer else super().get_totp_issuer()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Staff and employers keep their second factor; replacing it goes through support.
        if authenticator.type == Authenticator.Type.TOTP and needs_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)

    # TOTP secrets are encrypted at rest, so that a database dump alone cannot mint codes.
    def encrypt(self, text: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(_mfa_key()).encrypt(nonce, text.encode(), b"totp")
        return base64.b64encode(nonce + sealed).decode()

    def decrypt(self, encrypted_text: str) -> str:
        raw = base64.b64decode(encrypted_text)
        return AESGCM(_mfa_key()).decrypt(raw[:12], raw[12:], b"totp").decode()
