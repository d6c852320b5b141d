"""Pure rules for mismatch cases: what the member may type, ages, and the report's figures.

No Django models here; table-driven tests in tests/test_mismatch_rules.py.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils.translation import gettext, gettext_noop

from members.validators import fold_dashes
from portal.models import contains_full_number

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9()\- ]+")

FULL_NUMBER_REFUSED = gettext_noop(
    "マイナンバー(12桁)はウェブではお受けしていません。入力された内容は保存も表示もしていません。"
    "番号の確認が必要な場合は、業務課からご本人確認のうえお伺いします。"
)


class InputRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def folded(text: str) -> str:
    """Full-width digits and letters to half width, dashes to "-", outer spaces removed."""
    return fold_dashes(unicodedata.normalize("NFKC", text)).strip()


def holds_full_number(text: str) -> bool:
    """Twelve digits in a row: the one definition, portal.models.contains_full_number."""
    return contains_full_number(text)


def parse_last4(text: str) -> str:
    value = folded(text).replace(" ", "")
    if not re.fullmatch(r"[0-9]{4}", value):
        raise InputRefused(
            gettext("マイナンバーカードの裏面にある番号の、下4桁(数字4つ)を入力してください。")
        )
    return value


def parse_contact(text: str) -> str:
    """A phone number (10 or 11 digits, Japanese style) or an e-mail address."""
    value = folded(text)
    if _EMAIL.fullmatch(value) and len(value) <= 254:
        return value
    if _PHONE.fullmatch(value):
        digits = re.sub(r"[^0-9]", "", value.removeprefix("+81"))
        if value.startswith("+81"):
            digits = "0" + digits
        if digits.startswith("0") and len(digits) in (10, 11):
            return value
    raise InputRefused(
        gettext("連絡先は電話番号(例: 090-1234-5678)かメールアドレスを入力してください。")
    )


# Open cases by age, for the supervisors' report: (label, from day, to day exclusive or None).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("7日未満", 0, 7),
    ("7〜13日", 7, 14),
    ("14〜29日", 14, 30),
    ("30日以上", 30, None),
)


def age_in_days(created_at: datetime, now: datetime) -> int:
    return max((now - created_at).days, 0)


def bucket_of(days: int) -> str:
    for label, start, end in AGE_BUCKETS:
        if days >= start and (end is None or days < end):
            return label
    raise ValueError("negative age")


def age_buckets(ages: Iterable[int]) -> list[tuple[str, int]]:
    counts = dict.fromkeys((label for label, _, _ in AGE_BUCKETS), 0)
    for days in ages:
        counts[bucket_of(days)] += 1
    return list(counts.items())


def median_duration(durations: Iterable[timedelta]) -> timedelta | None:
    values = sorted(durations)
    if not values:
        return None
    return timedelta(seconds=statistics.median(value.total_seconds() for value in values))


def describe_duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    days, seconds = value.days, value.seconds
    hours = seconds // 3600
    if days:
        return f"{days}日{hours}時間"
    return f"{hours}時間{(seconds % 3600) // 60}分"


def months_back(today: date, count: int) -> list[date]:
    """The first day of this month and the count - 1 months before it, oldest first."""
    months: list[date] = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
