"""Fixtures of the employer tests (tests/test_employer_*.py): two employers, each with its
HR login (the employer_user and other_employer_user personas), a new hire, a household with a
newly added dependent. Imported by each of those modules: `from tests.employer_world import *`."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from eligibility.employers.services import ensure_link
from eligibility.models import MynaRegistration
from members.models import Employer, Member
from tests.factories import make_employer, make_member

TODAY = date(2026, 11, 26)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Tokyo"))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def register(member: Member, status: str = "registered", cancelled: date | None = None) -> None:
    MynaRegistration.objects.update_or_create(
        member=member,
        defaults={
            "status": status,
            "registered_on": date(2023, 1, 10),
            "cancellation_applied_on": cancelled,
            "source": "staff",
        },
    )


@pytest.fixture(autouse=True)
def _media_and_day(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CERTIFICATE_DEFAULT_YEARS = 5
    time_machine.move_to(at(TODAY))


@pytest.fixture
def buhin(db, insurer) -> Employer:
    return make_employer("1201", "日本部品工業株式会社")


@pytest.fixture
def brakes(db, insurer) -> Employer:
    return make_employer("1305", "北関東ブレーキ工業株式会社")


@pytest.fixture
def hr(employer_user, buhin):
    ensure_link(employer_user, buhin)
    return employer_user


@pytest.fixture
def other_hr(other_employer_user, brakes):
    ensure_link(other_employer_user, brakes)
    return other_employer_user


@pytest.fixture
def new_hire(buhin) -> Member:
    """Joined on 2026-10-01: never had a legacy card, nothing on record yet."""
    return make_member(
        buhin,
        bango="8050",
        name="新井　翔",
        name_kana="アライ　ショウ",
        birth_date=date(2003, 4, 2),
        acquired_on=date(2026, 10, 1),
    )


@pytest.fixture
def household(buhin) -> Member:
    """An insured person with a マイナ保険証 registration since 2023."""
    insured = make_member(
        buhin,
        bango="8051",
        name="高橋　直樹",
        name_kana="タカハシ　ナオキ",
        birth_date=date(1990, 12, 24),
        acquired_on=date(2015, 4, 1),
    )
    register(insured)
    return insured


@pytest.fixture
def new_dependent(household) -> Member:
    """A child added to the household on 2026-10-20."""
    return make_member(
        insured=household,
        edaban="01",
        relation="子",
        name="高橋　陽菜",
        name_kana="タカハシ　ヒナ",
        birth_date=date(2026, 9, 15),
        acquired_on=date(2026, 10, 20),
    )


@pytest.fixture
def outsider(brakes) -> Member:
    """Someone of the other employer."""
    return make_member(
        brakes,
        bango="8070",
        name="中村　浩二",
        name_kana="ナカムラ　コウジ",
        acquired_on=date(2026, 9, 1),
    )
