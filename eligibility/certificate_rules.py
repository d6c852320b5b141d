"""Pure rules for 資格確認書: who may be applied for, the validity period, and what a
certificate of a person aged 70-74 adds (負担割合, 発効期日, 有効期限). No database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from eligibility.rules import MemberFacts, certificate_last_day, certificate_valid, is_enrolled
from members.coverage import elderly_expiry, elderly_from, is_elderly_on, late_elderly_from
from portal.dates import add_years
from portal.wareki import format_wareki

# The law's ceiling for a 資格確認書 (DOMAIN.md: "有効期限 (at most 5 years ...)").
MAX_YEARS = 5

# The 70-74 負担割合 is decided each year as of 1 August and runs to the next 31 July.


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


def refusal(candidate: Candidate, day: date, *, needs_assistance: bool = False) -> str | None:
    """Why no 資格確認書 can be applied for this person on `day`, or None.

    A 要配慮者 (needs_assistance) may hold one while keeping the マイナ保険証 registration.
    """
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
    if candidate.registration == "registered" and not needs_assistance:
        return (
            f"{name}さんはマイナ保険証の利用登録があるため、申請できません。"
            "利用登録を解除する場合は、先に解除の申請をしてください(解除が記録されると申請できます)。"
            "要配慮者の方は、利用登録を続けたまま要配慮者の申請理由で申請できます。"
        )
    if candidate.open_application:
        return (
            f"{name}さんは審査中の申請(受付番号 {candidate.open_application})があります。"
            "重ねて申請はできません。"
        )
    return None


def _jp(day: date | None) -> str:
    return format_wareki(day) if day else "—"


# --- 70-74: 負担割合, 発効期日 and 有効期限 ---------------------------------------------------


def legal_birthday_eve(birth_date: date, age: int) -> date:
    """The day a person reaches `age` under 年齢計算ニ関スル法律: the day before the birthday."""
    return add_years(birth_date, age) - timedelta(days=1)


def elderly_start(birth_date: date) -> date:
    """First day the 70-74 負担割合 applies: the 1st of the month after the person turns 70
    (so the birthday itself for someone born on the 1st of a month)."""
    return elderly_from(birth_date)  # one definition, in members.coverage


def elderly_end(birth_date: date) -> date:
    """Last day before 後期高齢者医療 (from the 75th birthday on, outside this insurer)."""
    return late_elderly_from(birth_date) - timedelta(days=1)


@dataclass(frozen=True)
class ElderlyCopay:
    ratio: str
    effective_from: date  # 発効期日
    expires_on: date  # 有効期限 of the rate


class RateMissing(Exception):
    """A 70-74 certificate needs the decided 負担割合; none is on file, and none is guessed."""


RATE_MISSING = (
    "負担割合が未登録のため、資格確認書を交付できません"
    "(70歳から74歳の方は、名簿で負担割合を取り込んでから交付します)。"
)


def elderly_copay(birth_date: date, valid_from: date, copay_rate: str) -> ElderlyCopay | None:
    """For a certificate starting on `valid_from` inside the 70-74 period: the rate on file,
    the 発効期日 (the later of the certificate's start and elderly_start) and the rate's
    有効期限. None outside the period; RateMissing when the rate is not on file."""
    if not is_elderly_on(birth_date, valid_from):
        return None
    if not copay_rate:
        raise RateMissing(RATE_MISSING)
    start = max(valid_from, elderly_start(birth_date))
    return ElderlyCopay(copay_rate, start, elderly_expiry(birth_date, start))


# --- the period -----------------------------------------------------------------------------


def latest_valid_to(valid_from: date) -> date:
    """The last day a certificate starting on `valid_from` may run to: 5 years, inclusive."""
    return add_years(valid_from, MAX_YEARS) - timedelta(days=1)


def last_allowed_day(valid_from: date, birth_date: date, coverage_lost_on: date | None) -> date:
    """The latest 有効期限 any certificate starting on `valid_from` may carry: 5 years, the
    day before coverage ends (75th birthday, roster, a dependent's insured person), the day
    before the 70-74 rate begins (that certificate carries the rate, so it is a new one), and
    within the 70-74 period the end of the current 1 August period."""
    caps = [latest_valid_to(valid_from), elderly_end(birth_date)]
    if coverage_lost_on is not None:
        caps.append(coverage_lost_on - timedelta(days=1))
    start = elderly_start(birth_date)
    if valid_from < start:
        caps.append(start - timedelta(days=1))
    else:
        caps.append(elderly_expiry(birth_date, valid_from))
    return min(caps)


def certificate_period(
    start: date,
    *,
    default_years: int,
    birth_date: date,
    registration_end: date | None = None,
    coverage_lost_on: date | None = None,
) -> tuple[date, date]:
    """(valid_from, valid_to) of a certificate issued to start on `start`.

    It starts no earlier than the day after a cancelled マイナ保険証 registration stops working
    (pass no registration_end for a 要配慮者, who keeps theirs), runs for the insurer's default
    length, and never past last_allowed_day. valid_to < valid_from means none can be issued
    (coverage ends first); callers refuse it.
    """
    valid_from = start
    if registration_end is not None and registration_end >= valid_from:
        valid_from = registration_end + timedelta(days=1)
    years = min(max(1, default_years), MAX_YEARS)
    default = add_years(valid_from, years) - timedelta(days=1)
    return valid_from, min(default, last_allowed_day(valid_from, birth_date, coverage_lost_on))


def printed_loss_date(valid_to: date, coverage_lost_on: date | None) -> date | None:
    """The 資格喪失年月日 the certificate prints: the first day without coverage when it is known
    to fall within the certificate's life (it then ends the day before), else blank."""
    if coverage_lost_on is None or coverage_lost_on > valid_to + timedelta(days=1):
        return None
    return coverage_lost_on


def next_term_start(birth_date: date, after: date) -> date | None:
    """The first day after `after` on which a new 70-74 term begins and the certificate must
    be a new one: the 発効期日 of reaching 70, or a 1 August inside the 70-74 years. None when
    no such day comes before the 75th birthday."""
    start = elderly_start(birth_date)
    if start > after:
        return start
    august = date(after.year, 8, 1)
    if august <= after:
        august = date(after.year + 1, 8, 1)
    return august if august <= elderly_end(birth_date) else None


def renewal_start(valid_from: date, valid_to: date, birth_date: date, today: date) -> date:
    """The first day of the certificate that renews one valid valid_from..valid_to: the day
    after it ends, or the start of a new 70-74 term it runs past (it is then replaced from
    that day); never before `today`."""
    boundary = next_term_start(birth_date, valid_from)
    if boundary is not None and boundary <= valid_to:
        return max(boundary, today)
    return max(valid_to + timedelta(days=1), today)
