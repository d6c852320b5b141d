"""Dates in a roster CSV: 西暦 or 和暦, full- or half-width. Pure functions, no Django."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from itertools import pairwise

from django.utils.translation import gettext, gettext_noop

from members.validators import RosterValueError
from portal.wareki import ERAS, Era

# Marked here, translated when raised: the roster import stores its messages as text.
_FORMAT_HINT = gettext_noop(
    "日付の形式が正しくありません（例: 2024-12-02、令和6年12月2日、R6.12.2）。"
)
_INVALID = gettext_noop("日付として正しくありません。")

_ERA_BY_NAME = {era.name: era for era in ERAS}
_ERA_BY_LETTER = {era.letter: era for era in ERAS}
# ERAS is newest first, so each era ends the day before the one listed just above it begins.
_ERA_END = {older: newer.start - timedelta(days=1) for newer, older in pairwise(ERAS)}

_NAMES = "|".join(_ERA_BY_NAME)
_LETTERS = "".join(_ERA_BY_LETTER)
_YEAR = "元|[0-9]{1,2}"
_MD = "([0-9]{1,2})"

# Whitespace is removed before matching, so none of these allow it. The separator must be the
# same twice: "2024-12/02" is more likely a typo than a date.
_SEIREKI = re.compile(rf"([0-9]{{4}})([-/]){_MD}\2{_MD}")
_SEIREKI_KANJI = re.compile(rf"([0-9]{{4}})年{_MD}月{_MD}日")
_WAREKI_KANJI = re.compile(rf"({_NAMES})({_YEAR})年{_MD}月{_MD}日")
_WAREKI_LETTER = re.compile(rf"([{_LETTERS}])({_YEAR})([./-]){_MD}\3{_MD}", re.IGNORECASE)


def _jp(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:  # 2023-02-29, month 13, year 0
        raise RosterValueError(gettext(_INVALID)) from None


def _wareki_date(era: Era, year_text: str, month: str, day: str) -> date:
    era_year = 1 if year_text == "元" else int(year_text)
    if era_year == 0:
        raise RosterValueError(gettext(_INVALID))
    result = _make_date(era.start.year + era_year - 1, int(month), int(day))
    # The era year alone is not enough: 令和元年4月30日 and 昭和64年1月8日 fall in the
    # neighbouring era, and 平成32年 never happened.
    if result < era.start:
        raise RosterValueError(
            gettext("%(era)sは%(day)sからです。") % {"era": era.name, "day": _jp(era.start)}
        )
    end = _ERA_END.get(era)
    if end is not None and result > end:
        raise RosterValueError(
            gettext("%(era)sは%(day)sまでです。") % {"era": era.name, "day": _jp(end)}
        )
    return result


def parse_roster_date(text: str) -> date:
    """A date in any form the roster contract allows.

    2024-12-02, 2024/1/5, 2024年12月2日, 令和6年12月2日, 令和元年5月1日, R6.12.2 (also H, S, T,
    M, either case); digits full- or half-width; spaces anywhere are ignored.
    """
    # NFKC turns full-width digits into ASCII and the one-character era signs (㍻, ㋿) that
    # CP932 files carry into 平成, 令和. Dates contain no names, so NFKC is harmless here.
    value = "".join(unicodedata.normalize("NFKC", text).split())
    if match := _SEIREKI.fullmatch(value):
        return _make_date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    if match := _SEIREKI_KANJI.fullmatch(value):
        return _make_date(*(int(group) for group in match.groups()))
    if match := _WAREKI_KANJI.fullmatch(value):
        era = _ERA_BY_NAME[match.group(1)]
        return _wareki_date(era, match.group(2), match.group(3), match.group(4))
    if match := _WAREKI_LETTER.fullmatch(value):
        era = _ERA_BY_LETTER[match.group(1).upper()]
        return _wareki_date(era, match.group(2), match.group(4), match.group(5))
    raise RosterValueError(gettext(_FORMAT_HINT))


def parse_optional_roster_date(text: str) -> date | None:
    """None for an empty cell (資格喪失年月日 while still enrolled), else parse_roster_date."""
    if not text.strip():
        return None
    return parse_roster_date(text)
