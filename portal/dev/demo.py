"""Demo data for `make run`: the insurer, one account per role and a small roster. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.exceptions import InvalidTag
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from eligibility.employers.services import ensure_link
from eligibility.models import EligibilityCertificate, LegacyCard, MynaRegistration
from eligibility.records import services as eligibility
from members.linking.services import IssuedCode, issue_registration_code
from members.models import Employer, Member, RosterImport
from members.roster.importer import import_roster
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

# Imported through the real roster import, employers first. 1201-1-00 山田 花子 (日本部品工業)
# is the demo member account's household; 1201-2-00 佐藤 健一 is left for trying the 登録コード.
DEMO_ROSTER_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"
DEMO_ROSTER_FILES = ("employers.csv", "members.csv")

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


def load_demo_roster() -> list[RosterImport]:
    """Import the demo roster files; a second run finds every row unchanged."""
    runs = []
    for name in DEMO_ROSTER_FILES:
        with (DEMO_ROSTER_DIR / name).open("rb") as stream:
            run = import_roster(stream, file_name=name, via="command")
        if run.outcome != RosterImport.Outcome.APPLIED:
            raise RuntimeError(f"demo roster {name} was rejected: {run.errors[:3]}")
        runs.append(run)
    return runs


def link_demo_member() -> Member:
    """The demo member account holds 山田 花子's household (a shortcut past the 登録コード)."""
    household = Member.objects.get(kigo="1201", bango="1", edaban="00")
    if household.account_id is None:
        household.account = get_user_model().objects.get(email=DEMO_ACCOUNTS[Role.MEMBER])
        household.save(update_fields=["account", "updated_at"])
    return household


def link_demo_employer() -> Employer:
    """The demo employer account works for 日本部品工業 (記号 1201)."""
    employer = Employer.objects.get(kigo="1201")
    user = get_user_model().objects.get(email=DEMO_ACCOUNTS[Role.EMPLOYER])
    return ensure_link(user, employer).employer


def demo_registration_code() -> IssuedCode | None:
    """A fresh 登録コード for 佐藤 健一 (1201-2, born 1978-11-03), unless already linked."""
    insured = Member.objects.get(kigo="1201", bango="2", edaban="00")
    if insured.account_id is not None:
        return None
    return issue_registration_code(insured, actor=None, ip=None, now=timezone.now())


# What the roster's マイナ保険証 column cannot say (dates, cards, certificates), so that the demo
# shows every kind of advice; keyed by 記号-番号-枝番. Registrations: (registered_on, 解除 applied).
DEMO_REGISTRATIONS = {
    "1201-1-00": (date(2023, 5, 10), None),
    "1201-1-01": (date(2024, 3, 1), None),
    "1201-2-00": (date(2022, 11, 20), None),
    "1201-3-00": (date(2021, 10, 1), date(2024, 9, 10)),
    "1201-4-00": (date(2024, 4, 1), None),
    "1202-101-00": (date(2023, 1, 15), None),
    "1202-102-01": (date(2024, 6, 5), None),
    "1305-21-00": (date(2021, 3, 1), None),
    "1305-21-01": (date(2023, 2, 1), date(2024, 11, 10)),  # 解除: usable until 2024-12-31
    "1202-104-00": (date(2022, 4, 5), None),  # 木村 正男, 72, 3割
    "1305-23-00": (date(2023, 8, 1), None),  # 加藤 洋子, 71, no 負担割合 on file yet
}
# The card's electronic certificate expired: usable as マイナ保険証 until 2026-03-31.
DEMO_CARD_CERTIFICATE_EXPIRY = {"1305-21-00": date(2025, 12, 10)}
# Legacy cards (issued, printed expiry) of members who joined before 2024-12-02.
DEMO_LEGACY_CARDS = {
    "1201-1-00": (date(2010, 4, 1), None),
    "1201-1-01": (date(2012, 6, 1), None),
    "1201-1-02": (date(2015, 3, 15), None),
    "1201-1-03": (date(2019, 5, 1), date(2025, 3, 31)),
    "1201-2-00": (date(2001, 4, 1), None),
    "1201-2-01": (date(2003, 10, 1), date(2025, 7, 31)),
    "1202-102-00": (date(1992, 4, 1), None),
    "1202-102-03": (date(2015, 1, 1), date(2025, 9, 30)),
    "1305-21-01": (date(2003, 11, 3), None),
    "1305-21-02": (date(2006, 5, 5), None),
}
# One 資格確認書 (issued, valid from, valid to): 伊藤 トメ, who has no My Number card.
DEMO_CERTIFICATES = {"1202-102-03": (date(2025, 11, 20), date(2025, 12, 2), date(2030, 11, 30))}


def _demo_member(key: str) -> Member:
    kigo, bango, edaban = key.split("-")
    return Member.objects.get(kigo=kigo, bango=bango, edaban=edaban)


@transaction.atomic
def seed_demo_eligibility() -> int:
    """Give the demo members the facts above (after load_demo_roster), through the audited
    services. Only estimated dates (from the import) are replaced, and only missing cards and
    certificates added, so a second run changes nothing. Returns the number of changes."""
    today = timezone.localdate()
    changes = 0
    for key, (registered_on, applied_on) in DEMO_REGISTRATIONS.items():
        member = _demo_member(key)
        current = MynaRegistration.objects.filter(member=member).first()
        if current is None or not (
            current.registered_on_estimated or current.cancellation_estimated
        ):
            continue
        eligibility.update_registration(
            member,
            status=current.status,
            registered_on=registered_on,
            cancellation_applied_on=applied_on,
            card_certificate_expires_on=DEMO_CARD_CERTIFICATE_EXPIRY.get(key),
            has_card=True,
            today=today,
        )
        changes += 1
    for key, (issued_on, expires_on) in DEMO_LEGACY_CARDS.items():
        member = _demo_member(key)
        if not LegacyCard.objects.filter(member=member).exists():
            eligibility.update_legacy_card(
                member, issued=True, issued_on=issued_on, expires_on=expires_on
            )
            changes += 1
    for key, (issued_on, valid_from, valid_to) in DEMO_CERTIFICATES.items():
        member = _demo_member(key)
        if not EligibilityCertificate.objects.filter(member=member).exists():
            eligibility.add_certificate(
                member, issued_on=issued_on, valid_from=valid_from, valid_to=valid_to
            )
            changes += 1
    return changes


def issue_demo_notices() -> int:
    """The first notice for every demo member enrolled today who has none yet."""
    from django.conf import settings

    from notices.models import Notice
    from notices.services import NoCopayRate, issue_notice

    today = timezone.localdate()
    cutoff = settings.NOTICE_CUTOFF_DATE
    issued = 0
    for person in Member.objects.enrolled_on(today).filter(notices__isnull=True):
        reason = Notice.Reason.INITIAL if person.is_enrolled(cutoff) else Notice.Reason.ENROLMENT
        try:
            issue_notice(person, reason, now=timezone.now(), notify=False)
        except NoCopayRate:
            continue  # aged 70-74 with no 負担割合 on file: on the staff worklist instead
        issued += 1
    return issued
