"""和暦 (Japanese era) dates. Pure functions; the template filters wrap them (the *_localized
ones read the active language)."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.utils import translation


class Era(NamedTuple):
    name: str
    letter: str
    start: date


# First day of each era in the Gregorian calendar. 明治 counts from the day of its proclamation
# (1868-10-23); earlier dates are shown in 西暦 only.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("明治", "M", date(1868, 10, 23)),
)


def era_of(day: date) -> tuple[Era, int] | None:
    """The era and the year within it (1 for 元年), or None before 明治."""
    for era in ERAS:
        if day >= era.start:
            return era, day.year - era.start.year + 1
    return None


def format_wareki(day: date) -> str:
    found = era_of(day)
    if found is None:
        return f"{day.year}年{day.month}月{day.day}日"
    era, year = found
    year_text = "元" if year == 1 else str(year)
    return f"{era.name}{year_text}年{day.month}月{day.day}日"


def format_wareki_with_year(day: date) -> str:
    """令和6年12月2日 (2024年): the 西暦 helps members who think in it."""
    return f"{format_wareki(day)} ({day.year}年)"


def _japanese() -> bool:
    language = translation.get_language()
    return language is None or language.startswith("ja")


def format_wareki_localized(day: date) -> str:
    """令和6年12月2日 in Japanese; in another language the 西暦 first, the 和暦 beside it
    (2024-12-02 (令和6年12月2日)): the member reads the date, the clinic's papers say 和暦."""
    if _japanese():
        return format_wareki(day)
    return f"{day.isoformat()} ({format_wareki(day)})"


def format_wareki_with_year_localized(day: date) -> str:
    """令和6年12月2日 (2024年) in Japanese; 2024-12-02 (令和6年12月2日) in another language."""
    if _japanese():
        return format_wareki_with_year(day)
    return format_wareki_localized(day)


def format_wareki_month_localized(day: date) -> str:
    """令和6年12月 (2024年), for monthly totals; 2024-12 (令和6年12月) in another language."""
    text = format_wareki(day.replace(day=1)).removesuffix("1日")
    if _japanese():
        return f"{text} ({day.year}年)"
    return f"{day:%Y-%m} ({text})"
