"""Guards over every view that takes an argument: nobody sees 12 digits on any page.

ACCESS lists, for each such URL name, who may open it and how to build its arguments; the
full-number scan below and tests/test_response_headers.py visit every page it lists. A new view
with arguments fails `test_every_view_with_arguments_is_listed` until it is added here.

Who gets what (a branded 403 for accounts without the role, the login page for visitors, a 404
for objects that do not exist, other households and other employers) is proven for every URL,
persona and object by the authorization matrix: tests/test_authorization_matrix.py.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as D

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pypdf import PdfReader

from eligibility.certificates.services import issue_certificate
from eligibility.employers.services import ensure_link, invitation_args
from eligibility.models import (
    CertificateApplication,
    CertificateBatch,
    EligibilityCertificate,
)
from members.models import EmployerUser, Member, MyNumberConflict, RosterImport
from members.services import register_my_number
from notices.models import Notice, NoticeBatch
from notices.services import issue_notice
from notices.verification import token_for
from portal.roles import Role
from tests.factories import make_employer, make_member, valid_my_number
from tests.personas import make_user

NUMBERS = [valid_my_number(seed) for seed in (98765432101, 11122233344, 55566677788)]
STAFF = {Role.CLERK, Role.SUPERVISOR}


@dataclass
class World:
    """The records every guard acts on: one household with numbers, one import run."""

    insured: Member
    dependent: Member
    roster_import: RosterImport
    notice: Notice


@dataclass(frozen=True)
class Access:
    allowed: frozenset[Role]
    args: Callable[[World], list[object]]
    methods: tuple[str, ...] = ("get",)
    public: bool = False  # open to anyone, signed in or not


def _certificate(world: World) -> int:
    # Made on first use: only the certificate page needs one.
    certificate, _ = EligibilityCertificate.objects.get_or_create(
        member=world.dependent,
        defaults={
            "issued_on": D(2025, 11, 20),
            "valid_from": D(2025, 12, 2),
            "valid_to": D(2030, 11, 30),
        },
    )
    return certificate.pk


def _certificate_args(world: World) -> list[object]:
    return [_certificate(world)]


def _notice_batch_args(world: World) -> list[object]:
    # Made on first use, with a failure naming a member, as the batch page shows it.
    batch, created = NoticeBatch.objects.get_or_create(
        reason="initial", as_of=D(2024, 9, 30), scope="enrolled", defaults={"total": 1}
    )
    if created:
        batch.items.create(member=world.insured, status="failed", error="失敗の理由")
    return [batch.pk]


def _application_args(world: World) -> list[object]:
    # A submitted application of the world's employer (made directly: the guards test access,
    # tests/test_employer_*.py test the rules).
    application = CertificateApplication.objects.filter(insured=world.insured).first()
    if application is None:
        insured = world.insured
        application = CertificateApplication.objects.create(
            employer=insured.employer, insured=insured, applied_on=D(2025, 6, 2), reason="no_card"
        )
        application.persons.create(
            member=insured,
            kigo=insured.kigo,
            bango=insured.bango,
            edaban=insured.edaban,
            name=insured.name,
            birth_date=insured.birth_date,
        )
    return [application.pk]


def _issued_certificate_args(world: World) -> list[object]:
    certificate = (
        EligibilityCertificate.objects.filter(member=world.insured).exclude(pdf="").first()
    )
    if certificate is None:
        certificate = issue_certificate(
            world.insured,
            issued_on=D(2025, 6, 2),
            valid_from=D(2025, 6, 2),
            valid_to=D(2030, 6, 1),
            source="application",
        )
    return [certificate.pk]


def _employer_user_args(world: World) -> list[object]:
    user = make_user("hr2@buhin.example.jp", Role.EMPLOYER)
    return [ensure_link(user, world.insured.employer).pk]


def _invitation_args(world: World) -> list[object]:
    user = get_user_model().objects.filter(email="invited@buhin.example.jp").first()
    if user is None:
        user = get_user_model().objects.create_user(
            username="invited@buhin.example.jp", email="invited@buhin.example.jp"
        )
        EmployerUser.objects.create(
            user=user, employer=world.insured.employer, invited_at=timezone.now()
        )
    return list(invitation_args(user))


def _certificate_batch_args(world: World) -> list[object]:
    batch, created = CertificateBatch.objects.get_or_create(
        kind="ex_officio", as_of=D(2025, 12, 2), defaults={"total": 1}
    )
    if created:
        batch.items.create(member=world.insured, status="failed", error="失敗の理由")
    return [batch.pk]


def _mismatch_case_args(world: World) -> list[object]:
    # An open case about the insured person, reported from the world's notice.
    from notices.models import MismatchCase

    case, _ = MismatchCase.objects.get_or_create(
        member=world.insured,
        defaults={
            "notice": world.notice,
            "registered_last4": world.insured.mynumber_last4,
            "reported_last4": "0000",
            "contact": "03-1234-5678",
        },
    )
    return [case.pk]


def _conflict_args(world: World) -> list[object]:
    # An open conflict: the number offered for the dependent is one the insured person holds.
    conflict, _ = MyNumberConflict.objects.get_or_create(
        member=world.dependent,
        holder=world.insured,
        defaults={"offered_last4": world.insured.mynumber_last4, "source": "staff"},
    )
    return [conflict.pk]


EMPLOYER = frozenset({Role.EMPLOYER})

ACCESS: dict[str, Access] = {
    "members:staff_member": Access(frozenset(STAFF), lambda w: [w.insured.pk]),
    "members:issue_code": Access(frozenset(STAFF), lambda w: [w.insured.pk], ("post",)),
    "members:unlink": Access(frozenset(STAFF), lambda w: [w.insured.pk], ("get", "post")),
    "members:import_detail": Access(frozenset(STAFF), lambda w: [w.roster_import.pk]),
    "notices:member_notice": Access(frozenset({Role.MEMBER}), lambda w: [w.notice.pk]),
    "notices:member_notice_pdf": Access(frozenset({Role.MEMBER}), lambda w: [w.notice.pk]),
    "notices:member_notice_explanation": Access(frozenset({Role.MEMBER}), lambda w: [w.notice.pk]),
    "notices:staff_notice_pdf": Access(frozenset(STAFF), lambda w: [w.notice.pk]),
    "notices:staff_issue": Access(frozenset(STAFF), lambda w: [w.insured.pk], ("post",)),
    "notices:verify": Access(
        frozenset(Role), lambda w: [token_for(w.notice.public_id)], public=True
    ),
    "eligibility:smartphone": Access(
        frozenset({Role.MEMBER}), lambda w: [w.dependent.pk], ("post",)
    ),
    "eligibility:staff_registration": Access(
        frozenset(STAFF), lambda w: [w.insured.pk], ("get", "post")
    ),
    "eligibility:staff_legacy_card": Access(
        frozenset(STAFF), lambda w: [w.insured.pk], ("get", "post")
    ),
    "eligibility:staff_certificate_add": Access(
        frozenset(STAFF), lambda w: [w.insured.pk], ("get", "post")
    ),
    "eligibility:staff_certificate_edit": Access(
        frozenset(STAFF), _certificate_args, ("get", "post")
    ),
    "notices:batch_detail": Access(frozenset(STAFF), _notice_batch_args),
    "notices:batch_resume": Access(frozenset(STAFF), _notice_batch_args, ("post",)),
    "notices:batch_print": Access(frozenset(STAFF), _notice_batch_args),
    "eligibility:employer_person": Access(EMPLOYER, lambda w: [w.dependent.pk]),
    "eligibility:employer_apply": Access(EMPLOYER, lambda w: [w.dependent.pk], ("get", "post")),
    "eligibility:employer_application": Access(EMPLOYER, _application_args),
    "eligibility:employer_withdraw": Access(EMPLOYER, _application_args, ("post",)),
    "eligibility:employer_certificate_pdf": Access(EMPLOYER, _issued_certificate_args),
    "eligibility:employer_invitation": Access(frozenset(Role), _invitation_args, public=True),
    "eligibility:member_certificate_pdf": Access(
        frozenset({Role.MEMBER}), _issued_certificate_args
    ),
    "eligibility:staff_application": Access(frozenset(STAFF), _application_args),
    "eligibility:staff_approve": Access(frozenset(STAFF), _application_args, ("post",)),
    "eligibility:staff_return": Access(frozenset(STAFF), _application_args, ("post",)),
    "eligibility:staff_certificate_pdf": Access(frozenset(STAFF), _issued_certificate_args),
    "eligibility:deactivate_employer_user": Access(
        frozenset(STAFF), _employer_user_args, ("post",)
    ),
    "eligibility:certificate_batch": Access(frozenset(STAFF), _certificate_batch_args),
    "eligibility:certificate_batch_resume": Access(
        frozenset(STAFF), _certificate_batch_args, ("post",)
    ),
    "members:mismatch_report": Access(
        frozenset({Role.MEMBER}), lambda w: [w.notice.pk], ("get", "post")
    ),
    "members:mismatch_member_case": Access(frozenset({Role.MEMBER}), _mismatch_case_args),
    "members:mismatch_case": Access(frozenset(STAFF), _mismatch_case_args),
    "members:mismatch_check": Access(frozenset(STAFF), _mismatch_case_args, ("post",)),
    "members:mismatch_close": Access(frozenset(STAFF), _mismatch_case_args, ("post",)),
    "members:mismatch_propose": Access(frozenset(STAFF), _mismatch_case_args, ("post",)),
    "members:mismatch_approve": Access(
        frozenset({Role.SUPERVISOR}), _mismatch_case_args, ("post",)
    ),
    "members:mismatch_reject": Access(frozenset({Role.SUPERVISOR}), _mismatch_case_args, ("post",)),
    "members:mismatch_conflict_resolve": Access(
        frozenset({Role.SUPERVISOR}), _conflict_args, ("post",)
    ),
}


def _named_patterns_with_arguments(patterns=None, namespace: str = "") -> set[str]:
    found: set[str] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= _named_patterns_with_arguments(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and entry.pattern.converters:
            found.add(namespace + entry.name)
    # allauth's own pages (e-mail confirmation keys, password reset tokens) guard themselves.
    return {name for name in found if ":" in name and not name.startswith(("account", "mfa"))}


def test_every_view_with_arguments_is_listed():
    assert _named_patterns_with_arguments() == set(ACCESS)


@pytest.fixture
def world(db, insurer, member, employer_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    insured = make_member(make_employer("1201"), bango="15", name="佐藤　一郎")
    ensure_link(employer_user, insured.employer)  # the employer persona works for 1201
    dependent = make_member(insured=insured, edaban="01", relation="配偶者", name="佐藤　由美")
    for person, number in zip([insured, dependent], NUMBERS, strict=False):
        register_my_number(person, number, source="test")
    insured.account = member
    insured.save()
    run = RosterImport.objects.create(
        kind=RosterImport.Kind.MEMBERS,
        file_name="members.csv",
        sha256="0" * 64,
        size_bytes=10,
        via="command",
        outcome=RosterImport.Outcome.APPLIED,
        finished_at=timezone.now(),
    )
    notice = issue_notice(insured, Notice.Reason.INITIAL, now=timezone.now())
    return World(insured, dependent, run, notice)


def _spellings(number: str) -> list[str]:
    full_width = number.translate({code: code + 0xFEE0 for code in range(0x30, 0x3A)})
    return [number, f"{number[:4]} {number[4:8]} {number[8:]}", full_width]


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _as_text(response) -> str:
    """A page, a streamed export or a PDF, as the text a reader would see."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type") == "application/pdf":
        return _pdf_text(body)
    return body.decode(errors="replace")


def test_no_page_and_no_log_line_holds_a_full_number(client, everyone, world, caplog):
    from tests.test_guards import ARGLESS_PATHS

    caplog.set_level(logging.DEBUG)
    pages: list[tuple[str, str]] = []
    for role, user in everyone.items():
        client.force_login(user)
        urls = [
            *ARGLESS_PATHS,
            *(
                reverse(name, args=access.args(world))
                for name, access in ACCESS.items()
                if role in access.allowed and "get" in access.methods
            ),
        ]
        for url in urls:
            pages.append((f"{role} {url}", _as_text(client.get(url))))
    client.force_login(everyone[Role.CLERK])
    search = client.get(reverse("members:staff_search"), {"q": "佐藤"}).content.decode()
    pages.append(("search", search))
    assert "佐藤　由美" in search
    # The pages did show the numbers' last four digits: the check below is not vacuous.
    assert any(world.insured.mynumber_last4 in text for label, text in pages if "/staff/" in label)
    for label, text in [*pages, ("logs", caplog.text)]:
        for number in NUMBERS:
            for spelling in _spellings(number):
                assert spelling not in text, f"{label} holds a full number"


def test_the_member_sees_last_four_digits_of_their_own_household(client, member, world):
    client.force_login(member)
    page = client.get(reverse("members:home")).content.decode()
    assert f"下4桁 {NUMBERS[1][-4:]}" in page
