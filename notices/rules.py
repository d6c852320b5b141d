"""Pure rules of the 資格情報のお知らせ: whether it shows the last four digits, when members
may see it, the 70-74 terms it carries and when it stops being valid. Dates are arguments; the
settings supply the reform's dates to the callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_noop

from members.coverage import (
    ELDERLY_AGE,
    elderly_born_between,
    elderly_expiry,
    elderly_from,
    late_elderly_from,
    reaches_age_on,
)


@dataclass(frozen=True)
class DigitsDecision:
    shows: bool
    # a code: shown, enrolled_after_cutoff, submit_number, no_number, needs_verification
    reason: str
    message: str  # printed on the notice when no digits are shown


SHOWN = DigitsDecision(True, "shown", "")
ENROLLED_AFTER_CUTOFF = DigitsDecision(
    False,
    "enrolled_after_cutoff",
    gettext_noop(
        "令和6年10月以降に加入手続きをされた方のお知らせには、マイナンバーの下4桁は表示されません。"
    ),
)
NEEDS_VERIFICATION = DigitsDecision(
    False,
    "needs_verification",
    gettext_noop(
        "当組合に登録されているマイナンバーの確認が済んでいないため、下4桁は表示していません。"
        "確認が済みしだい、下4桁を表示したお知らせをあらためてお送りします。"
    ),
)
# Joined after the cut-off: no digits ever, but a number must still be on file.
SUBMIT_NUMBER = DigitsDecision(
    False,
    "submit_number",
    gettext_noop(
        "当組合にマイナンバーが登録されていません。お勤め先の事業所を通じて、マイナンバーをご提出ください"
        "(令和6年10月以降に加入手続きをされた方のお知らせには、下4桁は表示されません)。"
    ),
)
NO_NUMBER = DigitsDecision(
    False,
    "no_number",
    gettext_noop(
        "当組合にマイナンバーが登録されていないため、下4桁は表示していません。"
        "お勤め先の事業所を通じて、マイナンバーをご提出ください。"
    ),
)


def enrolled_on(acquired_on: date, lost_on: date | None, day: date) -> bool:
    # 資格喪失年月日 is the first day without coverage.
    return acquired_on <= day and (lost_on is None or day < lost_on)


def digits_decision(
    *,
    acquired_on: date,
    lost_on: date | None,
    number_status: str,
    last4: str,
    cutoff: date,
) -> DigitsDecision:
    """Last four digits only for members enrolled on the cut-off date with a verified number;
    anyone without a number on file is asked to submit one."""
    has_number = number_status in ("on_file", "needs_verification")
    if not enrolled_on(acquired_on, lost_on, cutoff):
        return ENROLLED_AFTER_CUTOFF if has_number else SUBMIT_NUMBER
    if number_status == "needs_verification":
        return NEEDS_VERIFICATION
    if number_status != "on_file" or len(last4) != 4:
        return NO_NUMBER
    return SHOWN


def visible_to_members(day: date, available_from: date) -> bool:
    return day >= available_from


def masked_name(name: str) -> str:
    """山田　花子 -> 山田 ○○: the family name, the given name hidden."""
    family = name.replace(" ", "\u3000").split("\u3000")[0]
    if family == name.strip():  # no space to split on: keep one character
        family = name.strip()[:1]
    return f"{family} ○○"


def masked_digits(value: str, keep: int = 2) -> str:
    """1201 -> 12**: enough to recognise, not enough to use."""
    return value[:keep] + "*" * max(len(value) - keep, 0)


# --- ages 70 to 74 (高齢受給者) ---------------------------------------------------------------

# The age rules themselves (elderly_from: the 発効期日) live in members.coverage.
RATE_YEAR_STARTS = (8, 1)  # the rate is decided each year as of 1 August


@dataclass(frozen=True)
class ElderlyTerms:
    effective_from: date  # 発効期日 of this notice's rate
    valid_until: date  # 有効期限


def elderly_terms(birth_date: date, day: date) -> ElderlyTerms | None:
    """The 70-74 terms a notice describing `day` carries, or None (under 70, or 75 and over).

    From the day the member reaches 70 (so within the birthday month) the notice carries the
    upcoming 発効期日; from then on, the rate year's: its 1 August, or the 発効期日 if later. The
    有効期限 is the 31 July that ends the rate year, or the day before the 75th birthday."""
    last_day = late_elderly_from(birth_date) - timedelta(days=1)
    if day < reaches_age_on(birth_date, ELDERLY_AGE) or day > last_day:
        return None
    start = elderly_from(birth_date)
    on = max(day, start)
    august = date(on.year if (on.month, on.day) >= RATE_YEAR_STARTS else on.year - 1, 8, 1)
    return ElderlyTerms(max(start, august), elderly_expiry(birth_date, on))


def elderly_start_births(effective_from: date) -> tuple[date, date]:
    """(earliest, latest) birth date of the members whose 発効期日 is `effective_from` (a 1st):
    born from the 2nd of the month before to the 1st of that month, 70 years earlier."""
    if effective_from.day != 1:
        raise ValueError("発効期日は月の初日です。")
    latest = date(effective_from.year - ELDERLY_AGE, effective_from.month, 1)
    before = latest - timedelta(days=1)
    return date(before.year, before.month, 2), latest


def elderly_born_on_or_before(day: date) -> date:
    """The latest birth date of a member whose 発効期日 is on or before `day` (a 1st)."""
    if day.day != 1:
        raise ValueError("基準日は月の初日です。")
    return elderly_born_between(day)[1]


def is_rate_year_start(day: date) -> bool:
    return (day.month, day.day) == RATE_YEAR_STARTS


# --- when a notice stops being valid ------------------------------------------------------------

LOST = gettext_noop("資格喪失")
LATE_ELDERLY = gettext_noop("75歳到達により後期高齢者医療へ移行")


@dataclass(frozen=True)
class Lapse:
    reason: str
    on: date  # the first day the notice is no longer valid


def lapse(birth_date: date, coverage_lost_on: date, day: date) -> Lapse | None:
    """Whether a notice is no longer valid on `day` because its member's coverage ended: from
    the first day without coverage (members.coverage), with why."""
    if day < coverage_lost_on:
        return None
    at_75 = coverage_lost_on == late_elderly_from(birth_date)
    return Lapse(LATE_ELDERLY if at_75 else LOST, coverage_lost_on)


def notice_state(
    *,
    revoked: bool,
    superseded: bool,
    lapsed: Lapse | None,
    valid_until: date | None,
    day: date,
) -> str:
    """current, superseded, revoked (marked by staff), lapsed (coverage ended) or expired (a
    70-74 notice past its 有効期限). An ended coverage outranks a newer notice: no notice of
    someone outside the society is valid."""
    if revoked:
        return "revoked"
    if lapsed is not None:
        return "lapsed"
    if superseded:
        return "superseded"
    if valid_until is not None and day > valid_until:
        return "expired"
    return "current"
