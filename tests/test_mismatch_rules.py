"""Pure rules of mismatch cases: what a member may type, ages and report figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from notices.mismatch.rules import (
    InputRefused,
    age_buckets,
    age_in_days,
    bucket_of,
    describe_duration,
    holds_full_number,
    median_duration,
    months_back,
    parse_contact,
    parse_last4,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1234", "1234"), ("１２３４", "1234"), (" 0042 ", "0042"), ("12 34", "1234")],
)
def test_last4_accepts_four_digits_in_either_width(typed, expected):
    assert parse_last4(typed) == expected


@pytest.mark.parametrize("typed", ["123", "12345", "abcd", "", "１２３"])
def test_last4_refuses_anything_else(typed):
    with pytest.raises(InputRefused):
        parse_last4(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "03-1234-5678",
        "090-1234-5678",
        "09012345678",
        "０９０－１２３４－５６７８",
        "+81 90-1234-5678",
        "(03) 1234-5678",
        "hanako@example.jp",
        "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ",
    ],
)
def test_contact_is_a_phone_number_or_an_address(typed):
    assert parse_contact(typed)


@pytest.mark.parametrize("typed", ["123", "電話ください", "1234-5678", "hanako@", "0312345678901"])
def test_contact_refuses_anything_else(typed):
    with pytest.raises(InputRefused):
        parse_contact(typed)


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("123456789018", True),
        ("1234 5678 9018", True),
        ("1234-5678-9018", True),
        ("１２３４５６７８９０１８", True),
        ("１２３４‐５６７８‐９０１８", True),  # U+2010 between full-width digits
        ("番号は123456789018です", True),
        ("03-1234-5678", False),
        ("12345678901", False),
        ("2024年10月1日に届いた", False),
    ],
)
def test_full_numbers_are_spotted_in_any_spelling(text, held):
    assert holds_full_number(text) is held


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "7日未満"),
        (6, "7日未満"),
        (7, "7〜13日"),
        (13, "7〜13日"),
        (14, "14〜29日"),
        (29, "14〜29日"),
        (30, "30日以上"),
        (400, "30日以上"),
    ],
)
def test_age_buckets_have_no_gaps(days, bucket):
    assert bucket_of(days) == bucket


def test_ages_are_counted_per_bucket_and_never_negative():
    now = datetime(2025, 1, 31, tzinfo=UTC)
    assert age_in_days(now + timedelta(hours=1), now) == 0
    assert age_in_days(now - timedelta(days=8, hours=1), now) == 8
    assert age_buckets([0, 3, 8, 31]) == [
        ("7日未満", 2),
        ("7〜13日", 1),
        ("14〜29日", 0),
        ("30日以上", 1),
    ]


@pytest.mark.parametrize(
    ("durations", "median", "text"),
    [
        ([], None, "—"),
        ([timedelta(days=1)], timedelta(days=1), "1日0時間"),
        ([timedelta(hours=1), timedelta(hours=3)], timedelta(hours=2), "2時間0分"),
        (
            [timedelta(days=5), timedelta(hours=1), timedelta(days=2, hours=6)],
            timedelta(days=2, hours=6),
            "2日6時間",
        ),
    ],
)
def test_median_time_to_close(durations, median, text):
    assert median_duration(durations) == median
    assert describe_duration(median) == text


def test_months_back_cross_the_year():
    assert months_back(date(2025, 2, 14), 4) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
