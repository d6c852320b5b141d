"""The world of the authorization matrix (tests/test_authorization_matrix.py), built once per
module with the real services: three households, two employers, the eight personas.

Households (each an insured person with a spouse, both with a My Number on file):

- "A": the `member` persona's, employer 1201;
- "B": the `other_member` persona's, also employer 1201 (another household, same employer);
- "C": a household of employer 1202 (another employer), held by a login that is no persona.

Each household has a notice for each person, an issued 資格確認書 for the spouse, an open
application by its employer for the insured person and an open mismatch case on the insured
person. `employer_user` works for 1201, `other_employer_user` for 1202. Batches, the roster
import run and the employer logins staff manage are the insurer's, shared by every household.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as D
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from eligibility.applications import services as applications
from eligibility.certificates.services import issue_certificate, period_for
from eligibility.employers.services import ensure_link, invitation_args
from eligibility.models import CertificateBatch, EligibilityCertificate
from members.models import EmployerUser, Member, MyNumberConflict, RosterImport
from members.services import register_my_number
from notices.mismatch.services import report_mismatch
from notices.models import MismatchCase, Notice, NoticeBatch
from notices.services import issue_notice
from notices.verification import token_for
from portal.dev.demo import ensure_insurer
from portal.roles import Role
from tests.factories import make_employer, make_member, valid_my_number
from tests.personas import make_user

# The personas, in the matrix's column order; the e-mails are tests/conftest.py's.
PERSONAS: dict[str, tuple[str, Role] | None] = {
    "anonymous": None,
    "member": ("hanako@example.jp", Role.MEMBER),
    "other_member": ("taro@example.jp", Role.MEMBER),
    "employer_user": ("hr@buhin.example.jp", Role.EMPLOYER),
    "other_employer_user": ("hr@other.example.jp", Role.EMPLOYER),
    "clerk": ("clerk@kenpo.example.jp", Role.CLERK),
    "supervisor": ("supervisor@kenpo.example.jp", Role.SUPERVISOR),
    "auditor": ("auditor@kenpo.example.jp", Role.AUDITOR),
}
# key: (employer, persona holding it, family name and its kana)
HOUSEHOLDS = {
    "A": ("1201", "member", "佐藤", "サトウ"),
    "B": ("1201", "other_member", "鈴木", "スズキ"),
    "C": ("1202", None, "高橋", "タカハシ"),
}
# Whose records each persona may see: its own household, its employer's, or all of them.
REACH = {
    "anonymous": "",
    "member": "A",
    "other_member": "B",
    "employer_user": "AB",
    "other_employer_user": "C",
    "clerk": "ABC",
    "supervisor": "ABC",
    "auditor": "ABC",
}
MISSING = 999_999_999  # an id no object has


@dataclass
class Household:
    insured: Member
    spouse: Member
    notice: Notice  # the insured person's
    spouse_notice: Notice
    certificate: EligibilityCertificate  # the spouse's, issued with a PDF
    application: Any
    case: MismatchCase  # open, on the insured person
    numbers: list[str]  # the full My Numbers on file


@dataclass
class World:
    users: dict[str, Any]  # persona → user (no entry for anonymous)
    households: dict[str, Household]
    roster_import: RosterImport
    notice_batch: NoticeBatch
    certificate_batch: CertificateBatch
    employer_login: EmployerUser  # another 1201 login, for staff to deactivate
    invitee: Any  # invited to 1201, not yet accepted
    conflict: MyNumberConflict  # open: a number offered for A's spouse that C's insured holds


def _household(index: int, employer, account, employer_user) -> Household:
    _, _, family, kana = list(HOUSEHOLDS.values())[index]
    insured = make_member(
        employer, bango=str(50 + index), name=f"{family}　一郎", name_kana=f"{kana}　イチロウ"
    )
    spouse = make_member(
        insured=insured,
        edaban="01",
        relation="配偶者",
        name=f"{family}　花子",
        name_kana=f"{kana}　ハナコ",
        birth_date=D(1987, 5, 5),
    )
    numbers = [valid_my_number(70_000_000_000 + 10 * index + person) for person in (1, 2)]
    for person, number in zip([insured, spouse], numbers, strict=True):
        register_my_number(person, number, source="test")
    insured.account = account
    insured.save()
    now = timezone.now()
    notice = issue_notice(insured, Notice.Reason.INITIAL, now=now, notify=False)
    spouse_notice = issue_notice(spouse, Notice.Reason.INITIAL, now=now, notify=False)
    today = timezone.localdate()
    valid_from, valid_to = period_for(spouse, today)
    certificate = issue_certificate(
        spouse,
        issued_on=today,
        valid_from=valid_from,
        valid_to=valid_to,
        source=EligibilityCertificate.Source.STAFF,
    )
    application = applications.submit(
        employer, [insured], reason="no_card", applied_on=today, user=employer_user
    )
    case = report_mismatch(
        notice, reported_last4="0000", contact="03-1234-5678", comment="", actor=account
    )
    return Household(
        insured, spouse, notice, spouse_notice, certificate, application, case, numbers
    )


def build_world() -> World:
    ensure_insurer()
    users = {
        name: make_user(email, role)
        for name, persona in PERSONAS.items()
        if persona is not None
        for email, role in [persona]
    }
    employers = {"1201": make_employer("1201"), "1202": make_employer("1202", "東海精機株式会社")}
    ensure_link(users["employer_user"], employers["1201"])
    ensure_link(users["other_employer_user"], employers["1202"])
    hr_of = {"1201": users["employer_user"], "1202": users["other_employer_user"]}
    holder_c = make_user("c-holder@example.jp", Role.MEMBER)
    households = {
        key: _household(
            index, employers[kigo], users[persona] if persona else holder_c, hr_of[kigo]
        )
        for index, (key, (kigo, persona, _, _)) in enumerate(HOUSEHOLDS.items())
    }
    roster_import = RosterImport.objects.create(
        kind=RosterImport.Kind.MEMBERS,
        file_name="members.csv",
        sha256="0" * 64,
        size_bytes=10,
        via="command",
        outcome=RosterImport.Outcome.APPLIED,
        finished_at=timezone.now(),
    )
    notice_batch = NoticeBatch.objects.create(
        reason="initial", as_of=D(2024, 9, 30), scope="enrolled", total=1
    )
    notice_batch.items.create(member=households["A"].insured, status="failed", error="失敗の理由")
    certificate_batch = CertificateBatch.objects.create(
        kind="ex_officio", as_of=D(2025, 12, 2), total=1
    )
    certificate_batch.items.create(member=households["C"].insured, status="failed", error="失敗")
    hr2 = make_user("hr2@buhin.example.jp", Role.EMPLOYER)
    invitee = get_user_model().objects.create_user(
        username="invited@buhin.example.jp", email="invited@buhin.example.jp"
    )
    EmployerUser.objects.create(user=invitee, employer=employers["1201"], invited_at=timezone.now())
    conflict = MyNumberConflict.objects.create(
        member=households["A"].spouse,
        holder=households["C"].insured,
        offered_last4=households["C"].numbers[0][-4:],
        source="staff",
    )
    return World(
        users,
        households,
        roster_import,
        notice_batch,
        certificate_batch,
        ensure_link(hr2, employers["1201"]),
        invitee,
        conflict,
    )


# --- how each URL's arguments are built ------------------------------------------------------
# Objects: "A", "B", "C" a household's record; "S" the insurer's shared record (a batch, an
# import run, a login) or the one token; "X" an object that does not exist; "K" any key (allauth
# checks its own keys and tokens).


def _household_record(attribute: str) -> Callable[[World, str], list[object]]:
    def args(world: World, key: str) -> list[object]:
        return [MISSING] if key == "X" else [getattr(world.households[key], attribute).pk]

    return args


def _shared(attribute: str) -> Callable[[World, str], list[object]]:
    def args(world: World, key: str) -> list[object]:
        return [MISSING] if key == "X" else [getattr(world, attribute).pk]

    return args


def _verify_token(world: World, key: str) -> list[object]:
    token = token_for(world.households["A"].notice.public_id)
    return [token + "x" if key == "X" else token]


def _invitation(world: World, key: str) -> list[object]:
    uidb64, token = invitation_args(world.invitee)
    return [uidb64, token + "x" if key == "X" else token]


HOUSEHOLD_OBJECTS = "ABCX"
ARGUMENTS: dict[str, tuple[str, Callable[[World, str], list[object]]]] = {
    **{
        kind: (HOUSEHOLD_OBJECTS, _household_record(kind))
        for kind in (
            "insured",
            "spouse",
            "notice",
            "spouse_notice",
            "certificate",
            "application",
            "case",
        )
    },
    **{
        kind: ("SX", _shared(kind))
        for kind in (
            "roster_import",
            "notice_batch",
            "certificate_batch",
            "employer_login",
            "conflict",
        )
    },
    "verify_token": ("SX", _verify_token),
    "invitation": ("SX", _invitation),
    "allauth_key": ("K", lambda world, key: ["not-a-key"]),
    "reset_key": ("K", lambda world, key: ["1", "not-a-key"]),
}

# Which of the above each URL pattern with arguments takes.
_TAKES: dict[str, tuple[str, ...]] = {
    "insured": (
        "members:staff_member",
        "members:issue_code",
        "members:unlink",
        "eligibility:staff_registration",
        "eligibility:staff_legacy_card",
        "eligibility:staff_certificate_add",
        "notices:staff_issue",
    ),
    "spouse": (
        "eligibility:smartphone",
        "eligibility:employer_person",
        "eligibility:employer_apply",
    ),
    "notice": (
        "notices:member_notice",
        "notices:member_notice_pdf",
        "notices:member_notice_explanation",
        "notices:staff_notice_pdf",
    ),
    # The spouse's: no case is open on them, so the member gets the report form.
    "spouse_notice": ("members:mismatch_report",),
    "certificate": (
        "eligibility:member_certificate_pdf",
        "eligibility:employer_certificate_pdf",
        "eligibility:staff_certificate_pdf",
        "eligibility:staff_certificate_edit",
    ),
    "application": (
        "eligibility:employer_application",
        "eligibility:employer_withdraw",
        "eligibility:staff_application",
        "eligibility:staff_approve",
        "eligibility:staff_return",
    ),
    "case": (
        "members:mismatch_member_case",
        "members:mismatch_case",
        "members:mismatch_check",
        "members:mismatch_close",
        "members:mismatch_propose",
        "members:mismatch_approve",
        "members:mismatch_reject",
    ),
    "roster_import": ("members:import_detail",),
    "notice_batch": ("notices:batch_detail", "notices:batch_resume", "notices:batch_print"),
    "certificate_batch": ("eligibility:certificate_batch", "eligibility:certificate_batch_resume"),
    "employer_login": ("eligibility:deactivate_employer_user",),
    "conflict": ("members:mismatch_conflict_resolve",),
    "verify_token": ("notices:verify",),
    "invitation": ("eligibility:employer_invitation",),
    "allauth_key": ("account_confirm_email",),
    "reset_key": ("account_reset_password_from_key",),
}
URL_ARGUMENTS: dict[str, str] = {name: kind for kind, names in _TAKES.items() for name in names}
