"""What the 70-74 notice tests share: a household whose insured person is 70-74, a day to be on."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from members.models import Member
from tests.factories import make_member


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def elderly(db, insurer, member, time_machine):
    """高橋 一郎, born 10 March 1952 (70-74 from 1 April 2022 to 9 March 2027), 3割, and his
    spouse, 68; on 1 September 2025, linked to the member login."""
    time_machine.move_to(at(date(2025, 9, 1)))
    insured = make_member(
        bango="70",
        name="高橋　一郎",
        name_kana="タカハシ　イチロウ",
        birth_date=date(1952, 3, 10),
        acquired_on=date(1990, 4, 1),
    )
    spouse = make_member(
        insured=insured,
        edaban="01",
        relation="配偶者",
        name="高橋　良子",
        name_kana="タカハシ　ヨシコ",
        birth_date=date(1957, 2, 2),
        acquired_on=date(1990, 4, 1),
    )
    Member.objects.filter(pk=insured.pk).update(copay_rate="3割", account=member)
    insured.refresh_from_db()
    return {"insured": insured, "spouse": spouse}
