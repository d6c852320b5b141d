"""Demo data for `make run`: the insurer and one account per role. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.exceptions import InvalidTag
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from portal.models import Insurer
from portal.roles import MFA_REQUIRED, Role

DEMO_PASSWORD = "demo-password-2024"  # noqa: S105  (printed for the demo; never used elsewhere)

DEMO_INSURER = {
    "insurer_number": "06139992",
    "name": "日本自動車部品工業健康保険組合",
    "postal_code": "108-0074",
    "address": "東京都港区高輪一丁目1番1号",
    "business_phone": "03-3443-4256",
    "helpdesk_phone": "03-5213-4467",
    "helpdesk_hours": "平日 9:00〜17:00",
    "portal_name": "MY HEALTH WEB",
}

DEMO_ACCOUNTS = {
    Role.MEMBER: "member@example.jp",
    Role.EMPLOYER: "employer@example.jp",
    Role.CLERK: "clerk@example.jp",
    Role.SUPERVISOR: "supervisor@example.jp",
    Role.AUDITOR: "auditor@example.jp",
}


@dataclass
class DemoLogin:
    role: Role
    email: str
    totp_secret: str | None


def ensure_insurer() -> Insurer:
    insurer, _ = Insurer.objects.get_or_create(pk=1, defaults=DEMO_INSURER)
    return insurer


def ensure_account(email: str, role: Role, password: str = DEMO_PASSWORD) -> DemoLogin:
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(username=email, email=email, password=password)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    secret = _demo_totp_secret(user) if role in MFA_REQUIRED else None
    return DemoLogin(role, email, secret)


def _demo_totp_secret(user) -> str:
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        try:
            return get_mfa_adapter().decrypt(totp.data["secret"])
        except (InvalidTag, ValueError):
            # Sealed under another checkout's SECRET_KEY (a shared local database): the demo
            # account gets a new authenticator rather than a set-up that cannot log in.
            Authenticator.objects.filter(user=user).delete()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


@transaction.atomic
def seed() -> list[DemoLogin]:
    ensure_insurer()
    return [ensure_account(email, role) for role, email in DEMO_ACCOUNTS.items()]
