"""Which document works on a given day: pure rules, no database, no clock.

One rule per document (マイナ保険証, legacy card, 資格確認書), each over one person's facts (an
insured person and each dependent alike) and the day as an argument. eligibility.advice turns
them into what the person presents at a clinic (the letter's flowchart) and what to do next.
Coverage follows the project's convention: lost_on is the first day without coverage, so a
person is covered on day d iff acquired_on <= d < lost_on. eligibility.facts fills it with the
effective date of members.coverage (the roster's 資格喪失年月日, the 75th birthday, or a
dependent leaving with the insured person), not the roster's column alone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from members.coverage import late_elderly_from


def gettext_noop(message: str) -> str:
    """Marks a label for the message catalogs (makemessages reads the name) without importing
    Django: the rules stay pure. The templates translate a label when they show it."""
    return message


# Legacy cards are no longer issued from this day on; the マイナ保険証 is the default
# (DOMAIN.md: "2024-12-02 | legacy health insurance cards (健康保険証) are no longer issued").
# So nobody who joins on or after this day can hold a legacy card.
MYNA_HOKENSHO_START = date(2024, 12, 2)

# The LAST day a legacy card is valid, inclusive; 2025-12-02 is the first day without.
# DOMAIN.md: "2025-12-01 | last day any legacy card is valid"; the letter agrees:
# 「令和7年12月1日までの1年間にご利用いただけます」.
LEGACY_CARD_END = date(2025, 12, 1)

# The provisional measure, both ends inclusive. DOMAIN.md: "2026-03-31 | end of a provisional
# measure: clinics could still accept an expired legacy card, or the お知らせ alone". It gives
# no start; the measure bridges the end of legacy cards ("still accept an expired legacy card"),
# so it starts on the first day no legacy card is valid.
PROVISIONAL_MEASURE_START = LEGACY_CARD_END + timedelta(days=1)
PROVISIONAL_MEASURE_END = date(2026, 3, 31)

# DOMAIN.md: "If the card's electronic certificate expires it still works as insurance card for
# 3 months", which does not say from when. The national rule (MHLW: 「有効期限満了日が属する
# 月の末日から3か月間」) counts from the end of the month of expiry, so the card works through
# the LAST day of the 3rd month after the month of expiry (2026-11-14 -> 2027-02-28).
CARD_CERTIFICATE_GRACE_MONTHS = 3


class _Coded(StrEnum):
    """A stable code (the value templates branch on) with a Japanese label for display."""

    label: str

    def __new__(cls, code: str, label: str) -> _Coded:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @property
    def code(self) -> str:
        return self.value


class Document(_Coded):
    MYNA_CARD = "myna_card", gettext_noop("マイナ保険証（マイナンバーカード）")
    MYNA_PORTAL_SCREEN = (
        "myna_portal_screen",
        gettext_noop("マイナポータルの資格情報画面（スマホ）"),
    )
    NOTICE = "notice", gettext_noop("資格情報のお知らせ（切り取り部分）")
    CERTIFICATE = "certificate", gettext_noop("資格確認書")
    LEGACY_CARD = "legacy_card", gettext_noop("健康保険証（従来の保険証）")


class Primary(_Coded):
    """What the person presents; the first three are the letter's flowchart steps 1 and 2."""

    MYNA_PORTAL_SCREEN = (
        "myna_portal_screen",
        gettext_noop("マイナ保険証（資格情報画面をスマホに保存）"),
    )
    MYNA_CARD_WITH_NOTICE = (
        "myna_card_with_notice",
        gettext_noop("マイナ保険証（お知らせの切り取り部分と一緒に）"),
    )
    MYNA_CARD = "myna_card", gettext_noop("マイナ保険証")
    CERTIFICATE = "certificate", gettext_noop("資格確認書")
    LEGACY_CARD = "legacy_card", gettext_noop("健康保険証（従来の保険証）")
    NOTICE_PROVISIONAL = "notice_provisional", gettext_noop("資格情報のお知らせ（暫定的な取扱い）")
    # Registered by a day the insurer knows, not since when: the day asked about is earlier.
    MYNA_UNCONFIRMED = "myna_unconfirmed", gettext_noop("マイナ保険証（この日の利用登録は未確認）")
    NONE = "none", gettext_noop("受診に使える書類はありません")
    # From the 75th birthday: the municipality's 後期高齢者医療制度, with its own documents.
    LATE_ELDERLY = "late_elderly", gettext_noop("後期高齢者医療制度のマイナ保険証または資格確認書")


class Call(_Coded):
    """Which of the insurer's phone numbers a next step asks the person to call."""

    BUSINESS = "business", gettext_noop("業務課")
    HELPDESK = "helpdesk", gettext_noop("ヘルプデスク")


@dataclass(frozen=True)
class CertificateFacts:
    """A 資格確認書: valid valid_from..valid_to inclusive, until the day it is returned/revoked."""

    valid_from: date
    valid_to: date
    returned_on: date | None = None
    revoked_on: date | None = None
    # Issued to a 要配慮者, who may hold it while keeping a マイナ保険証 registration.
    needs_assistance: bool = False

    @property
    def ended_on(self) -> date | None:
        ends = [d for d in (self.returned_on, self.revoked_on) if d is not None]
        return min(ends) if ends else None


@dataclass(frozen=True)
class MemberFacts:
    acquired_on: date
    lost_on: date | None = None  # first day without coverage (members.coverage), None: open
    birth_date: date | None = None  # None: not known here (no 75th-birthday advice)
    registered_on: date | None = None  # マイナ保険証 利用登録
    registration_cancelled_on: date | None = None  # the day 利用登録解除 was applied for
    # The roster said 有 / 解除 without a date: the dates above are the day the insurer learned
    # of it, so the real one is that day or earlier (see registration_unknown).
    registered_on_estimated: bool = False
    cancellation_estimated: bool = False
    card_certificate_expires_on: date | None = None  # last valid day of the card's certificate
    has_card: bool | None = None  # None: not said (a registration implies a card)
    has_smartphone: bool | None = None  # None: not said
    legacy_card_issued: bool = False
    legacy_card_expires_on: date | None = None  # printed 有効期限, inclusive
    certificate: CertificateFacts | None = None


@dataclass(frozen=True)
class Remark:
    code: str
    text: str


@dataclass(frozen=True)
class NextStep:
    code: str
    text: str
    call: Call | None = None  # a phone call to the insurer, and to which number

    @property
    def is_phone_call(self) -> bool:
        return self.call is not None


@dataclass(frozen=True)
class InvalidDocument:
    document: Document
    reason: str


@dataclass(frozen=True)
class ClinicAdvice:
    day: date
    primary: Primary
    validity: date | None  # last day the primary works on the facts as they stand; None: open
    backups: tuple[Document, ...] = ()
    invalid: tuple[InvalidDocument, ...] = ()
    next_step: NextStep | None = None
    warnings: tuple[Remark, ...] = ()  # for the person
    inconsistencies: tuple[Remark, ...] = ()  # contradictory facts, for staff to check

    @property
    def needs_staff_review(self) -> bool:
        return bool(self.inconsistencies)

    @property
    def shows_validity(self) -> bool:
        """Whether `validity` speaks of a document of this insurer the person presents."""
        return self.primary not in {Primary.NONE, Primary.LATE_ELDERLY, Primary.MYNA_UNCONFIRMED}


# --- dates -----------------------------------------------------------------------------------


def end_of_month_after(day: date, months: int) -> date:
    """The last day of the month `months` after the month of `day`."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])


def end_of_following_month(day: date) -> date:
    return end_of_month_after(day, 1)


def card_certificate_grace_end(expires_on: date) -> date:
    """Last day the card works as insurance card after its certificate expired on `expires_on`."""
    return end_of_month_after(expires_on, CARD_CERTIFICATE_GRACE_MONTHS)


def earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def last_covered_day(facts: MemberFacts) -> date | None:
    return None if facts.lost_on is None else facts.lost_on - timedelta(days=1)


# --- one rule per document -------------------------------------------------------------------


def is_enrolled(facts: MemberFacts, day: date) -> bool:
    return facts.acquired_on <= day and (facts.lost_on is None or day < facts.lost_on)


def left_for_late_elderly(facts: MemberFacts) -> bool:
    """Coverage ends on the person's own 75th birthday: 後期高齢者医療 from that day.

    Whatever the roster says (a later 資格喪失年月日, or the 75th birthday itself). A dependent
    who leaves earlier because the insured person turned 75 is not: they join another
    insurance like any leaver.
    """
    return (
        facts.birth_date is not None
        and facts.lost_on is not None
        and facts.lost_on == late_elderly_from(facts.birth_date)
    )


def late_elderly_notice_from(birth_date: date) -> date:
    """The first day the advice announces the move to 後期高齢者医療: the 1st of the month
    before the 75th birthday's month, a month or more ahead."""
    at_75 = late_elderly_from(birth_date)
    year, month0 = divmod(at_75.year * 12 + at_75.month - 2, 12)
    return date(year, month0 + 1, 1)


def registration_end(facts: MemberFacts) -> date | None:
    """Last day a cancelled registration still counts: the end of the month after applying.

    DOMAIN.md: 利用登録解除 is "effective at the end of the following month", so that day still
    counts. A cancellation dated before registered_on belongs to an earlier registration (the
    person registered again) and ends nothing.
    """
    applied = facts.registration_cancelled_on
    if applied is None or facts.registered_on is None or applied < facts.registered_on:
        return None
    return end_of_following_month(applied)


def registration_unknown(facts: MemberFacts, day: date) -> bool:
    """The records cannot say whether the registration counted on `day`.

    A roster 有 without a date records the import day as registered_on, estimated: the person
    was registered by then at the latest, so an earlier day is unknown, not unregistered (the
    advice then says so and points to マイナポータル; it neither tells the person to register
    nor lists them as holding nothing). A roster 解除 without a date records the import day as
    the application, estimated: the real one lies between registering and that day, so the
    registration surely counted until the end of the month after registering (had it been
    cancelled at once), surely not after registration_end, and in between it is unknown
    (throughout, when the registration's own date is an estimate too).
    """
    registered = facts.registered_on
    if registered is None:
        return False
    if day < registered:
        return facts.registered_on_estimated
    end = registration_end(facts)
    if end is None or not facts.cancellation_estimated or day > end:
        return False
    return facts.registered_on_estimated or day > end_of_following_month(registered)


def registration_active(facts: MemberFacts, day: date) -> bool:
    """Registered as マイナ保険証 on `day`, as far as the records tell (an unknown day is not:
    registration_unknown). The registration belongs to the person, not to the insurer, so
    coverage is checked separately (is_enrolled)."""
    if facts.registered_on is None or day < facts.registered_on:
        return False
    if registration_unknown(facts, day):
        return False
    end = registration_end(facts)
    return end is None or day <= end


def card_certificate_usable(facts: MemberFacts, day: date) -> bool:
    """The card's certificate is valid, or within its grace; an unknown expiry counts as valid."""
    expires = facts.card_certificate_expires_on
    return expires is None or day <= card_certificate_grace_end(expires)


def holds_card(facts: MemberFacts) -> bool | None:
    if facts.has_card is None and facts.registered_on is not None:
        return True  # registering needs the card
    return facts.has_card


def myna_hokensho_usable(facts: MemberFacts, day: date) -> bool:
    return (
        registration_active(facts, day)
        and holds_card(facts) is not False
        and card_certificate_usable(facts, day)
    )


def legacy_card_last_day(facts: MemberFacts) -> date | None:
    if not facts.legacy_card_issued or facts.acquired_on >= MYNA_HOKENSHO_START:
        return None  # no card, or one that cannot exist
    return earliest(LEGACY_CARD_END, facts.legacy_card_expires_on, last_covered_day(facts))


def legacy_card_valid(facts: MemberFacts, day: date) -> bool:
    """Until the earliest of its printed expiry, LEGACY_CARD_END and the last covered day."""
    last = legacy_card_last_day(facts)
    return last is not None and facts.acquired_on <= day <= last


def held_expired_legacy_card(facts: MemberFacts, day: date) -> bool:
    """The person held a legacy card (one that could exist) whose validity ended before `day`."""
    last = legacy_card_last_day(facts)
    return last is not None and last < day


def provisional_measure_applies(facts: MemberFacts, day: date) -> bool:
    """The provisional measure (to 2026-03-31) bridged the end of the legacy cards, so it
    covers only someone whose legacy card expired: not a new enrolee who never had one, nor
    the holder of an expired 資格確認書."""
    in_force = PROVISIONAL_MEASURE_START <= day <= PROVISIONAL_MEASURE_END
    return in_force and held_expired_legacy_card(facts, day)


def certificate_last_day(facts: MemberFacts) -> date | None:
    cert = facts.certificate
    if cert is None:
        return None
    ended = None if cert.ended_on is None else cert.ended_on - timedelta(days=1)
    return earliest(cert.valid_to, ended, last_covered_day(facts))


def certificate_valid(facts: MemberFacts, day: date) -> bool:
    last = certificate_last_day(facts)
    if facts.certificate is None or last is None:
        return False
    return max(facts.certificate.valid_from, facts.acquired_on) <= day <= last
