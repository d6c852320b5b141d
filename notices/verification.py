"""The QR code's token: a random public id, signed, so a forged or mistyped URL is refused
before the database is asked, and no personal data travels in the URL."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "notices.verify"


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


def token_for(public_id: str) -> str:
    return signing.Signer(salt=_SALT, algorithm="sha256").sign(public_id)


def public_id_from(token: str) -> str | None:
    try:
        return signing.Signer(salt=_SALT, algorithm="sha256").unsign(token)
    except signing.BadSignature:
        return None


def verification_url(public_id: str) -> str:
    path = reverse("notices:verify", args=[token_for(public_id)])
    return settings.PORTAL_BASE_URL.rstrip("/") + path
