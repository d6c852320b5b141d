"""The pure rules of 資格確認書 (eligibility.certificate_rules), table-driven: who may be
applied for, the 70-74 負担割合 and 発効期日, the validity period."""

from __future__ import annotations

from datetime import date as D

import pytest

from eligibility.certificate_rules import (
    Candidate,
    RateMissing,
    certificate_period,
    elderly_copay,
    elderly_end,
    elderly_start,
    refusal,
)
from eligibility.rules import CertificateFacts, MemberFacts

DAY = D(2026, 11, 26)
ENROLLED = MemberFacts(acquired_on=D(2026, 10, 1))


def _cert(valid_from: D, valid_to: D, **ended: D) -> CertificateFacts:
    return CertificateFacts(valid_from=valid_from, valid_to=valid_to, **ended)


REFUSALS = [
    # (facts, registration, open application, expected fragment or None)
    (ENROLLED, None, None, None),
    (ENROLLED, "not_registered", None, None),
    (ENROLLED, "cancelled", None, None),  # a recorded cancellation: allowed
    (ENROLLED, "registered", None, "利用登録があるため"),
    (ENROLLED, None, "A000007", "審査中の申請(受付番号 A000007)"),
    (MemberFacts(acquired_on=D(2026, 11, 27)), None, None, "加入していない"),
    (MemberFacts(acquired_on=D(2010, 4, 1), lost_on=DAY), None, None, "加入していない"),
    (MemberFacts(acquired_on=D(2010, 4, 1), lost_on=D(2026, 11, 27)), None, None, None),
    (
        MemberFacts(acquired_on=D(2010, 4, 1), certificate=_cert(D(2025, 1, 1), DAY)),
        None,
        None,
        "すでに有効な資格確認書",
    ),
    (
        MemberFacts(acquired_on=D(2010, 4, 1), certificate=_cert(D(2020, 1, 1), D(2026, 11, 25))),
        None,
        None,
        None,  # expired yesterday
    ),
    (
        MemberFacts(
            acquired_on=D(2010, 4, 1),
            certificate=_cert(D(2025, 1, 1), D(2029, 12, 31), returned_on=D(2026, 11, 1)),
        ),
        None,
        None,
        None,  # returned
    ),
    (
        MemberFacts(acquired_on=D(2010, 4, 1), certificate=_cert(D(2027, 1, 1), D(2031, 12, 31))),
        "cancelled",
        None,
        "令和9年1月1日から有効な資格確認書を交付済み",
    ),
]


@pytest.mark.parametrize(("facts", "registration", "pending", "expected"), REFUSALS)
def test_refusals(facts, registration, pending, expected):
    message = refusal(Candidate("山田　花子", facts, registration, pending), DAY)
    if expected is None:
        assert message is None
    else:
        assert message.startswith("山田　花子さん") and expected in message


@pytest.mark.parametrize(
    ("birth", "start", "end"),
    [
        (D(1956, 11, 20), D(2026, 12, 1), D(2031, 11, 19)),  # 70 on 2026-11-20
        (D(1956, 11, 1), D(2026, 11, 1), D(2031, 10, 31)),  # born on the 1st: that month
        (D(1956, 11, 2), D(2026, 12, 1), D(2031, 11, 1)),
        (D(1956, 12, 31), D(2027, 1, 1), D(2031, 12, 30)),  # across the year
        (D(1956, 2, 29), D(2026, 3, 1), D(2031, 2, 27)),  # leap day birthday
    ],
)
def test_the_70_to_74_period(birth, start, end):
    assert elderly_start(birth) == start
    assert elderly_end(birth) == end


@pytest.mark.parametrize(
    ("birth", "valid_from", "rate", "expected"),
    [
        (D(1985, 4, 1), DAY, "", None),
        (D(1956, 11, 28), DAY, "", None),  # turns 70 (legally: the day before) tomorrow
        (D(1956, 11, 27), DAY, "", None),  # legally 70 today: the rate applies from 12/1
        (D(1956, 11, 1), DAY, "3割", ("3割", DAY, D(2027, 7, 31))),  # born on the 1st
        (D(1953, 5, 5), DAY, "2割", ("2割", DAY, D(2027, 7, 31))),  # 73
        (D(1953, 5, 5), D(2027, 7, 31), "2割", ("2割", D(2027, 7, 31), D(2027, 7, 31))),
        (D(1953, 5, 5), D(2027, 8, 1), "3割", ("3割", D(2027, 8, 1), D(2028, 5, 4))),  # 75 first
        (D(1952, 3, 10), DAY, "2割", ("2割", DAY, D(2027, 3, 9))),  # 75 before 31 July
        (D(1951, 11, 27), DAY, "2割", ("2割", DAY, DAY)),  # last day before the 75th birthday
        (D(1951, 11, 26), DAY, "2割", None),  # the 75th birthday: 後期高齢者医療
    ],
)
def test_the_copay_of_people_aged_70_to_74(birth, valid_from, rate, expected):
    copay = elderly_copay(birth, valid_from, rate)
    got = None if copay is None else (copay.ratio, copay.effective_from, copay.expires_on)
    assert got == expected


def test_a_70_to_74_certificate_without_a_rate_on_file_is_refused_never_guessed():
    with pytest.raises(RateMissing, match="負担割合が未登録のため"):
        elderly_copay(D(1953, 5, 5), DAY, "")


@pytest.mark.parametrize(
    ("start", "years", "birth", "registration_end", "expected"),
    [
        (DAY, 5, D(1985, 4, 1), None, (DAY, D(2031, 11, 25))),
        (DAY, 1, D(1985, 4, 1), None, (DAY, D(2027, 11, 25))),
        (DAY, 9, D(1985, 4, 1), None, (DAY, D(2031, 11, 25))),  # at most 5 years
        (DAY, 0, D(1985, 4, 1), None, (DAY, D(2027, 11, 25))),  # at least 1
        (D(2028, 2, 29), 5, D(1985, 4, 1), None, (D(2028, 2, 29), D(2033, 2, 27))),
        # A cancelled registration works until the end of the following month.
        (DAY, 5, D(1985, 4, 1), D(2026, 12, 31), (D(2027, 1, 1), D(2031, 12, 31))),
        (DAY, 5, D(1985, 4, 1), D(2026, 11, 25), (DAY, D(2031, 11, 25))),  # already over
        # 70-74: never past the current 1 August period (31 July), nor the 75th birthday eve.
        (DAY, 5, D(1953, 5, 5), None, (DAY, D(2027, 7, 31))),
        (DAY, 5, D(1952, 3, 10), None, (DAY, D(2027, 3, 9))),
        # 69: ends the day before the 発効期日 (the next one carries the rate).
        (DAY, 5, D(1957, 3, 15), None, (DAY, D(2027, 3, 31))),
        (DAY, 5, D(1957, 3, 1), None, (DAY, D(2027, 2, 28))),  # born on the 1st
    ],
)
def test_the_period(start, years, birth, registration_end, expected):
    period = certificate_period(
        start, default_years=years, birth_date=birth, registration_end=registration_end
    )
    assert period == expected


@pytest.mark.parametrize(
    ("lost", "expected"),
    [
        (None, (DAY, D(2031, 11, 25))),
        (D(2027, 1, 1), (DAY, D(2026, 12, 31))),  # roster loss, or the insured person's
        (D(2026, 11, 27), (DAY, DAY)),
        (DAY, (DAY, D(2026, 11, 25))),  # not covered from the start: none (callers refuse)
    ],
)
def test_the_period_ends_the_day_before_coverage_does(lost, expected):
    period = certificate_period(
        DAY, default_years=5, birth_date=D(1985, 4, 1), coverage_lost_on=lost
    )
    assert period == expected
