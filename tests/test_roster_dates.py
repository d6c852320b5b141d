"""Roster dates in 西暦 and 和暦: pure functions, no database."""

from datetime import date

import pytest

from members.dates import parse_optional_roster_date, parse_roster_date
from members.validators import RosterValueError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 西暦
        ("2024-12-02", date(2024, 12, 2)),
        ("2024/12/02", date(2024, 12, 2)),
        ("2024/1/5", date(2024, 1, 5)),
        ("2024-1-5", date(2024, 1, 5)),
        ("2024年12月2日", date(2024, 12, 2)),
        ("２０２４／１２／０２", date(2024, 12, 2)),  # full-width digits and slashes
        ("２０２４－１２－０２", date(2024, 12, 2)),  # full-width hyphen-minus
        (" 2024 / 12 / 02 ", date(2024, 12, 2)),  # spaces
        ("2024-02-29", date(2024, 2, 29)),  # leap day
        ("2000-02-29", date(2000, 2, 29)),  # divisible by 400: leap
        # 和暦, spelled out
        ("令和6年12月2日", date(2024, 12, 2)),
        ("令和６年１２月２日", date(2024, 12, 2)),  # full-width digits
        ("令和 6 年 12 月 2 日", date(2024, 12, 2)),  # half-width spaces
        ("令和\u30006年\u300012月\u30002日", date(2024, 12, 2)),  # full-width spaces
        ("令和06年01月05日", date(2024, 1, 5)),  # zero-padded
        ("令和6年2月29日", date(2024, 2, 29)),  # leap day
        ("平成12年2月29日", date(2000, 2, 29)),
        ("㋿6年12月2日", date(2024, 12, 2)),  # one-character era sign
        ("㍻31年4月30日", date(2019, 4, 30)),
        # 和暦, letter
        ("R6.12.2", date(2024, 12, 2)),
        ("r6.12.2", date(2024, 12, 2)),  # lower case
        ("Ｒ６．１２．２", date(2024, 12, 2)),  # full-width letter, digits, dots
        ("R06.12.02", date(2024, 12, 2)),
        ("R6/12/2", date(2024, 12, 2)),
        ("R6-12-2", date(2024, 12, 2)),
        ("R 6.12.2", date(2024, 12, 2)),
        ("H12.2.29", date(2000, 2, 29)),  # leap day
    ],
)
def test_accepted_forms(text, expected):
    assert parse_roster_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # First day of each era, spelled out with 元年 and as a letter with 1.
        ("明治元年10月23日", date(1868, 10, 23)),
        ("M1.10.23", date(1868, 10, 23)),
        ("大正元年7月30日", date(1912, 7, 30)),
        ("T1.7.30", date(1912, 7, 30)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("S1.12.25", date(1926, 12, 25)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("H1.1.8", date(1989, 1, 8)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("R1.5.1", date(2019, 5, 1)),
        ("R元.5.1", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("令和元年５月１日", date(2019, 5, 1)),  # full-width digits
        # Last day of each era.
        ("明治45年7月29日", date(1912, 7, 29)),
        ("M45.7.29", date(1912, 7, 29)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("T15.12.24", date(1926, 12, 24)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("S64.1.7", date(1989, 1, 7)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("H31.4.30", date(2019, 4, 30)),
        ("h31.4.30", date(2019, 4, 30)),
        # 令和 has no end.
        ("令和99年12月31日", date(2117, 12, 31)),
    ],
)
def test_era_boundaries(text, expected):
    assert parse_roster_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # One day past the end of each finished era.
        ("明治45年7月30日", "明治は1912年7月29日までです。"),
        ("M45.7.30", "明治は1912年7月29日までです。"),
        ("大正15年12月25日", "大正は1926年12月24日までです。"),
        ("T15.12.25", "大正は1926年12月24日までです。"),
        ("昭和64年1月8日", "昭和は1989年1月7日までです。"),
        ("S64.1.8", "昭和は1989年1月7日までです。"),
        ("平成31年5月1日", "平成は2019年4月30日までです。"),
        ("H31.5.1", "平成は2019年4月30日までです。"),
        ("平成32年1月1日", "平成は2019年4月30日までです。"),  # never existed
        # One day before the start of each era.
        ("明治元年10月22日", "明治は1868年10月23日からです。"),
        ("大正元年7月29日", "大正は1912年7月30日からです。"),
        ("T1.7.29", "大正は1912年7月30日からです。"),
        ("昭和元年12月24日", "昭和は1926年12月25日からです。"),
        ("平成元年1月7日", "平成は1989年1月8日からです。"),
        ("令和元年4月30日", "令和は2019年5月1日からです。"),
        ("R1.4.30", "令和は2019年5月1日からです。"),
        # Impossible calendar dates.
        ("2023-02-29", "日付として正しくありません。"),
        ("1900-02-29", "日付として正しくありません。"),  # divisible by 100: not leap
        ("2024-04-31", "日付として正しくありません。"),
        ("2024-13-01", "日付として正しくありません。"),
        ("2024-00-10", "日付として正しくありません。"),
        ("2024-12-00", "日付として正しくありません。"),
        ("0000-01-01", "日付として正しくありません。"),
        ("令和6年13月1日", "日付として正しくありません。"),
        ("令和5年2月29日", "日付として正しくありません。"),
        ("R5.2.29", "日付として正しくありません。"),
        ("令和0年5月1日", "日付として正しくありません。"),
        ("R0.5.1", "日付として正しくありません。"),
    ],
)
def test_rejects_impossible_and_out_of_era_dates(text, message):
    with pytest.raises(RosterValueError) as caught:
        parse_roster_date(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2024-12/02",  # mixed separators
        "2024.12.02",  # dots belong to the letter form only
        "24-12-02",  # two-digit year
        "20241202",
        "2024-123-02",
        "R6.12/2",
        "X6.12.2",  # unknown era letter
        "令6年12月2日",  # era name abbreviated
        "令和6年12月",  # day missing
        "令和六年十二月二日",  # kanji numerals
        "R100.1.1",
        "12/02/2024",
        "tomorrow",
    ],
)
def test_rejects_unknown_forms_with_a_hint(text):
    with pytest.raises(RosterValueError, match=r"^日付の形式が正しくありません"):
        parse_roster_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("  ", None),
        ("\u3000", None),  # a full-width space only
        ("2024-12-02", date(2024, 12, 2)),
        ("R6.12.2", date(2024, 12, 2)),
    ],
)
def test_parse_optional_roster_date(text, expected):
    assert parse_optional_roster_date(text) == expected


def test_optional_still_rejects_bad_dates():
    with pytest.raises(RosterValueError):
        parse_optional_roster_date("平成32年1月1日")
