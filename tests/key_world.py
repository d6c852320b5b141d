"""What the key tests share: fresh keys, settings that swap one key, legacy MFA secrets, and a
log-in with the second factor through allauth's real forms."""

from __future__ import annotations

import base64
import hashlib
import secrets

from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from members import vault
from members.models import Member
from portal.models import AuditEvent
from tests.personas import PASSWORD, current_totp


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def ring_first(key_id: str, key: str | None = None) -> str:
    """MYNUMBER_KEYS with a new key first, the configured ones after it."""
    return f"{key_id}:{key or new_key()},{settings.MYNUMBER_KEYS}"


def mfa_first(key_id: str, key: str | None = None) -> str:
    return f"{key_id}:{key or new_key()},{settings.MFA_SECRET_KEYS}"


def same_id_other_key(spec: str) -> str:
    """The spec with its first id kept and its key replaced: a mistyped deployment."""
    first = spec.split(",")[0].split(":")[0]
    return f"{first}:{new_key()}"


def legacy_seal(text: str, secret_key: str | None = None) -> str:
    """A secret as the portal sealed it before MFA_SECRET_KEYS: under SECRET_KEY."""
    secret_key = secret_key or settings.SECRET_KEY
    key = hashlib.sha256(b"portal.mfa-secrets:" + secret_key.encode()).digest()
    nonce = secrets.token_bytes(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, text.encode(), b"totp")).decode()


def make_totp_legacy(user) -> None:
    """Re-seal the user's TOTP secret and recovery seed the legacy way (same secret)."""
    from portal.keys import mfa

    for authenticator in Authenticator.objects.filter(user=user):
        data = dict(authenticator.data)
        for name in ("secret", "seed"):
            if name in data:
                data[name] = legacy_seal(mfa.unseal(data[name]))
        authenticator.data = data
        authenticator.save(update_fields=["data"])


def log_in_with_totp(client, user) -> int:
    """Password, then the TOTP code; the status of the second step (302 when logged in)."""
    client.logout()
    cache.clear()  # allauth remembers a used code: the same one may be typed again here
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate"), response.status_code
    code = current_totp(user)
    return client.post(reverse("mfa_authenticate"), {"code": code}).status_code


def hashes() -> dict[int, str | None]:
    return dict(Member.objects.values_list("pk", "mynumber_hash"))


def tokens() -> dict[int, str]:
    return dict(Member.objects.exclude(mynumber_token="").values_list("pk", "mynumber_token"))


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def number_of(member: Member) -> str:
    return vault.decrypt_number(member.mynumber_token, member_id=member.pk)
