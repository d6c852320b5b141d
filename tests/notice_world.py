"""What the notice tests share: a household with numbers on file, issuing, the PDF's text."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.utils import timezone
from pypdf import PdfReader

from members.services import register_my_number
from notices import services
from notices.models import Notice
from tests.factories import make_member, valid_my_number

NUMBERS = {"insured": valid_my_number(31415926535), "spouse": valid_my_number(27182818284)}


@pytest.fixture
def household(db, insurer, member):
    insured = make_member(
        bango="15", name="髙橋　花子", name_kana="タカハシ　ハナコ", acquired_on=date(2010, 4, 1)
    )
    spouse = make_member(
        insured=insured,
        edaban="01",
        relation="配偶者",
        name="髙橋　𠮷男",
        name_kana="タカハシ　ヨシオ",
        acquired_on=date(2012, 6, 1),
    )
    # Joined after the cut-off: the notice shows no digits although a number is on file.
    child = make_member(
        insured=insured,
        edaban="02",
        relation="子",
        name="髙橋　﨑",
        name_kana="タカハシ　サキ",
        birth_date=date(2024, 10, 20),
        acquired_on=date(2024, 11, 1),
    )
    register_my_number(insured, NUMBERS["insured"], source="test")
    register_my_number(spouse, NUMBERS["spouse"], source="test")
    insured.account = member
    insured.save()
    return {"insured": insured, "spouse": spouse, "child": child}


def issue(person, reason=Notice.Reason.INITIAL):
    return services.issue_notice(person, reason, now=timezone.now())


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)
