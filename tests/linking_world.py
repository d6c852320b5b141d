"""What the 登録コード tests share: a household to link, a newcomer's login, a code, the form."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.utils import timezone

from members.linking import services as linking
from tests.factories import make_member
from tests.personas import make_user

BIRTH = date(1980, 6, 15)


@pytest.fixture
def household(db):
    insured = make_member(
        bango="15", name="佐藤　一郎", name_kana="サトウ　イチロウ", birth_date=BIRTH
    )
    make_member(insured=insured, edaban="01", relation="配偶者", name="佐藤　由美")
    make_member(insured=insured, edaban="02", relation="子", name="佐藤　陽向")
    return insured


@pytest.fixture
def newcomer(db):
    """Someone who just signed up: a verified address and no role yet."""
    return make_user("ichiro@example.jp", None)


def issue(member, clerk=None):
    return linking.issue_registration_code(member, actor=clerk, ip=None, now=timezone.now())


def link_form(code: str, **changes: str) -> dict[str, str]:
    return {"kigo": "1201", "bango": "15", "birth_date": "1980-06-15", "code": code} | changes


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
