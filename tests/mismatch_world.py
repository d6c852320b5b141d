"""Shared builders for the mismatch-case tests: a household with numbers and notices, staff
actions as a person takes them, and the full-number leak check."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from members.models import Member
from members.services import register_my_number
from notices.models import MismatchCase, Notice
from notices.services import issue_notice
from portal.roles import Role
from tests.factories import make_employer, make_member, valid_my_number
from tests.personas import PASSWORD, make_user

NUMBERS = {
    "insured": valid_my_number(31415926535),
    "spouse": valid_my_number(27182818284),
    "other": valid_my_number(14142135623),
}
RIGHT_NUMBER = valid_my_number(57721566490)  # what the 業務課 finds to be the spouse's number
ALL_MATCHED = dict.fromkeys(
    ["check_name", "check_kana", "check_birth_date", "check_sex", "check_address"], "1"
)


@dataclass
class Household:
    insured: Member
    spouse: Member
    insured_notice: Notice
    spouse_notice: Notice


def make_household(account, *, kigo: str = "1201", bango: str = "15") -> Household:
    employer = make_employer(kigo)
    insured = make_member(employer, bango=bango, name="髙橋　花子", name_kana="タカハシ　ハナコ")
    spouse = make_member(
        insured=insured,
        edaban="01",
        relation="配偶者",
        name="髙橋　𠮷男",
        name_kana="タカハシ　ヨシオ",
        birth_date=date(1983, 7, 20),
    )
    register_my_number(insured, NUMBERS["insured"], source="test")
    register_my_number(spouse, NUMBERS["spouse"], source="test")
    insured.account = account
    insured.save()
    now = timezone.now()
    return Household(
        insured,
        spouse,
        issue_notice(insured, Notice.Reason.INITIAL, now=now, notify=False),
        issue_notice(spouse, Notice.Reason.INITIAL, now=now, notify=False),
    )


def second_supervisor():
    return make_user("supervisor2@kenpo.example.jp", Role.SUPERVISOR)


def report(client, notice: Notice, last4: str = "4321", **extra) -> MismatchCase:
    data = {"card_last4": last4, "contact": "090-1234-5678", "comment": "", **extra}
    response = client.post(reverse("members:mismatch_report", args=[notice.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return MismatchCase.objects.get(member=notice.member, status__in=MismatchCase.OPEN_STATUSES)


def post(client, name: str, case: MismatchCase, data: dict | None = None):
    case.refresh_from_db()
    payload = {"version": case.version, **(data or {})}
    return client.post(reverse(f"members:{name}", args=[case.pk]), payload)


def check_all_matched(client, case: MismatchCase) -> None:
    assert post(client, "mismatch_check", case, ALL_MATCHED).status_code == 302


def propose(client, case: MismatchCase, number: str = RIGHT_NUMBER, confirm: str | None = None):
    data = {"number": number, "number_confirm": number if confirm is None else confirm}
    return post(client, "mismatch_propose", case, data)


def step_up(client, case: MismatchCase) -> None:
    """The supervisor types their password again on allauth's reauthenticate page."""
    next_url = reverse("members:mismatch_case", args=[case.pk])
    response = client.post(
        f"{reverse('account_reauthenticate')}?next={next_url}", {"password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == next_url


def spellings(number: str) -> list[str]:
    full_width = number.translate({code: code + 0xFEE0 for code in range(0x30, 0x3A)})
    return [
        number,
        f"{number[:4]} {number[4:8]} {number[8:]}",
        f"{number[:4]}-{number[4:8]}-{number[8:]}",
        full_width,
        number[:8],  # the first eight digits alone would already say too much
    ]


def assert_no_full_number(texts: list[tuple[str, str]], numbers: list[str]) -> None:
    for label, text in texts:
        for number in numbers:
            for spelling in spellings(number):
                assert spelling not in text, f"{label} holds a full number"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
