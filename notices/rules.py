"""Pure rules of the 資格情報のお知らせ: whether it shows the last four digits, and when members
may see it. Dates are arguments; the settings supply the reform's dates to the callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DigitsDecision:
    shows: bool
    reason: str  # a code: shown, enrolled_after_cutoff, no_number, needs_verification
    message: str  # printed on the notice when no digits are shown


SHOWN = DigitsDecision(True, "shown", "")
ENROLLED_AFTER_CUTOFF = DigitsDecision(
    False,
    "enrolled_after_cutoff",
    "令和6年10月以降に加入手続きをされた方のお知らせには、マイナンバーの下4桁は表示されません。",
)
NEEDS_VERIFICATION = DigitsDecision(
    False,
    "needs_verification",
    "当組合に登録されているマイナンバーの確認が済んでいないため、下4桁は表示していません。"
    "確認が済みしだい、下4桁を表示したお知らせをあらためてお送りします。",
)
NO_NUMBER = DigitsDecision(
    False,
    "no_number",
    "当組合にマイナンバーが登録されていないため、下4桁は表示していません。"
    "お勤め先の事業所を通じて、マイナンバーをご提出ください。",
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
    """Last four digits only for members enrolled on the cut-off date with a verified number."""
    if not enrolled_on(acquired_on, lost_on, cutoff):
        return ENROLLED_AFTER_CUTOFF
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
