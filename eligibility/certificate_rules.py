"""Pure rules for 資格確認書: who may be applied for, the validity period, and what a
certificate of a person aged 70-74 adds (負担割合 and 発効期日). No database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from eligibility.rules import MemberFacts, certificate_last_day, certificate_valid, is_enrolled
from members.coverage import late_elderly_from
from portal.dates import add_years
from portal.wareki import format_wareki

# The law's ceiling for a 資格確認書 (DOMAIN.md: "有効期限 (at most 5 years ...)").
MAX_YEARS = 5

# 負担割合 of people aged 70-74. The insurer decides 3割 for those with an income like a working
# person's (現役並み所得者), from the 標準報酬月額 and household income, none of which the portal
# holds. Simplification: every certificate shows the general 2割; staff correct the rare 3割
# case by hand until those data are imported.
ELDERLY_COPAY = "2割"


# --- who may be applied for ---------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What the refusal rules need about one person on the application day."""

    name: str
    facts: MemberFacts
    # The マイナ保険証 registration's status as recorded: "registered", "cancelled",
    # "not_registered", or None when nothing is recorded.
    registration: str | None
    # The 受付番号 of another application still awaiting a decision or its issue.
    open_application: str | None = None


def refusal(candidate: Candidate, day: date) -> str | None:
    """Why no 資格確認書 can be applied for this person on `day`, or None."""
    name = candidate.name
    if not is_enrolled(candidate.facts, day):
        return f"{name}さんは申請日の時点で加入していないため、申請できません。"
    if certificate_valid(candidate.facts, day):
        last = certificate_last_day(candidate.facts)
        return (
            f"{name}さんにはすでに有効な資格確認書があります(有効期限 {_jp(last)})。"
            "紛失・破損による再交付は業務課にご連絡ください。"
        )
    upcoming = candidate.facts.certificate
    if upcoming is not None and upcoming.valid_from > day and upcoming.ended_on is None:
        return f"{name}さんには{_jp(upcoming.valid_from)}から有効な資格確認書を交付済みです。"
    if candidate.registration == "registered":
        return (
            f"{name}さんはマイナ保険証の利用登録があるため、申請できません。"
            "利用登録を解除する場合は、先に解除の申請をしてください(解除が記録されると申請できます)。"
        )
    if candidate.open_application:
        return (
            f"{name}さんは審査中の申請(受付番号 {candidate.open_application})があります。"
            "重ねて申請はできません。"
        )
    return None


def _jp(day: date | None) -> str:
    return format_wareki(day) if day else "—"


# --- 70-74: 負担割合 and 発効期日 --------------------------------------------------------------


def legal_birthday_eve(birth_date: date, age: int) -> date:
    """The day a person reaches `age` under 年齢計算ニ関スル法律: the day before the birthday."""
    return add_years(birth_date, age) - timedelta(days=1)


def elderly_start(birth_date: date) -> date:
    """First day the 70-74 負担割合 applies: the 1st of the month after the person turns 70
    (so the birthday itself for someone born on the 1st of a month)."""
    reached = legal_birthday_eve(birth_date, 70)
    year, month = (
        (reached.year + 1, 1) if reached.month == 12 else (reached.year, reached.month + 1)
    )
    return date(year, month, 1)


def elderly_end(birth_date: date) -> date:
    """Last day before 後期高齢者医療 (from the 75th birthday on, outside this insurer)."""
    return late_elderly_from(birth_date) - timedelta(days=1)


@dataclass(frozen=True)
class ElderlyCopay:
    ratio: str
    effective_from: date  # 発効期日


def elderly_copay(birth_date: date, valid_from: date) -> ElderlyCopay | None:
    """For a person aged 70-74 when the certificate starts: the 負担割合 and its 発効期日 (the
    later of the certificate's start and the first day the 70-74 rate applies)."""
    if not legal_birthday_eve(birth_date, 70) <= valid_from <= elderly_end(birth_date):
        return None
    return ElderlyCopay(ELDERLY_COPAY, max(valid_from, elderly_start(birth_date)))


# --- the period -----------------------------------------------------------------------------


def latest_valid_to(valid_from: date) -> date:
    """The last day a certificate starting on `valid_from` may run to: 5 years, inclusive."""
    return add_years(valid_from, MAX_YEARS) - timedelta(days=1)


def certificate_period(
    start: date,
    *,
    default_years: int,
    birth_date: date,
    registration_end: date | None = None,
) -> tuple[date, date]:
    """(valid_from, valid_to) of a certificate issued to start on `start`.

    It starts no earlier than the day after a cancelled マイナ保険証 registration stops working
    (nobody holds both), runs for the insurer's default length capped at 5 years, and ends the
    day before the 75th birthday (後期高齢者医療 takes over then).
    """
    valid_from = start
    if registration_end is not None and registration_end >= valid_from:
        valid_from = registration_end + timedelta(days=1)
    years = min(max(1, default_years), MAX_YEARS)
    valid_to = min(add_years(valid_from, years) - timedelta(days=1), latest_valid_to(valid_from))
    cap = elderly_end(birth_date)
    if valid_from <= cap < valid_to:
        valid_to = cap
    return valid_from, valid_to
