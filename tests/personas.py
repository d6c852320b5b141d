"""The people the tests act as. Each persona is a real account with a verified e-mail."""

from __future__ import annotations

import time

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model

from portal.dev.demo import ensure_account
from portal.roles import Role

PASSWORD = "correct-horse-battery-staple"


def make_user(email: str, role: Role | None):
    """An account with a verified address; staff and employer roles come with TOTP set up."""
    if role is None:
        user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user
    ensure_account(email, role, password=PASSWORD)
    return get_user_model().objects.get(email=email)


def current_totp(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = get_mfa_adapter().decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
