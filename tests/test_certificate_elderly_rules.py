"""Pure rules of 資格確認書 for ages 70-74 and 75 (eligibility.certificate_rules), table-driven at
every boundary: 69/70 in the month, born on the 1st, 31 July/1 August, the day before and on
the 75th birthday, coverage ending; the 要配慮者 refusal rule; the card's name sizes."""

from __future__ import annotations

from datetime import date as D

import pytest

from eligibility.certificate_rules import (
    Candidate,
    last_allowed_day,
    next_term_start,
    printed_loss_date,
    refusal,
    renewal_start,
)
from eligibility.certificates.layout import fit
from eligibility.rules import MemberFacts
from members.coverage import copay_period_end as rate_year_end
from members.coverage import elderly_expiry
from members.coverage import is_elderly_on as in_elderly_period

DAY = D(2026, 11, 26)


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        (D(1956, 11, 20), D(2026, 11, 30), False),  # 70 in November: from 1 December
        (D(1956, 11, 20), D(2026, 12, 1), True),
        (D(1956, 12, 1), D(2026, 11, 30), False),  # born on the 1st: from the birthday
        (D(1956, 12, 1), D(2026, 12, 1), True),
        (D(1951, 11, 27), D(2026, 11, 26), True),  # the day before the 75th birthday
        (D(1951, 11, 27), D(2026, 11, 27), False),  # the 75th birthday
    ],
)
def test_the_70_to_74_years(birth, day, expected):
    assert in_elderly_period(birth, day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 7, 31), D(2026, 7, 31)),
        (D(2026, 8, 1), D(2027, 7, 31)),
        (D(2026, 12, 31), D(2027, 7, 31)),
        (D(2027, 1, 1), D(2027, 7, 31)),
    ],
)
def test_the_1_august_period(day, expected):
    assert rate_year_end(day) == expected


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        (D(1953, 5, 5), D(2026, 8, 1), D(2027, 7, 31)),
        (D(1952, 3, 10), D(2026, 8, 1), D(2027, 3, 9)),  # 75 first: the day before
        (D(1951, 8, 1), D(2026, 7, 1), D(2026, 7, 31)),  # 75 on 1 August: 31 July either way
        (D(1951, 8, 2), D(2026, 7, 1), D(2026, 7, 31)),
    ],
)
def test_the_rate_expiry(birth, day, expected):
    assert elderly_expiry(birth, day) == expected


@pytest.mark.parametrize(
    ("valid_from", "birth", "lost", "expected"),
    [
        (DAY, D(1985, 4, 1), None, D(2031, 11, 25)),  # 5 years
        (DAY, D(1985, 4, 1), D(2027, 4, 1), D(2027, 3, 31)),  # the day before coverage ends
        (DAY, D(1957, 1, 15), None, D(2027, 1, 31)),  # 70 in January: until its month's end
        (DAY, D(1957, 1, 1), None, D(2026, 12, 31)),  # born on 1 January: 発効期日 1 January
        (DAY, D(1953, 5, 5), None, D(2027, 7, 31)),
        (D(2027, 8, 1), D(1953, 5, 5), None, D(2028, 5, 4)),  # 75 before the next 31 July
        (DAY, D(1953, 5, 5), D(2027, 2, 1), D(2027, 1, 31)),
    ],
)
def test_the_last_day_a_certificate_may_run_to(valid_from, birth, lost, expected):
    assert last_allowed_day(valid_from, birth, lost) == expected


@pytest.mark.parametrize(
    ("birth", "after", "expected"),
    [
        (D(1985, 4, 2), DAY, D(2055, 5, 1)),  # the 発効期日, decades ahead
        (D(1956, 12, 20), DAY, D(2027, 1, 1)),  # 70 in December
        (D(1956, 12, 1), D(2026, 11, 30), D(2026, 12, 1)),  # born on the 1st
        (D(1953, 5, 5), D(2026, 7, 31), D(2026, 8, 1)),
        (D(1953, 5, 5), D(2026, 8, 1), D(2027, 8, 1)),  # the period's own first day
        (D(1951, 8, 2), D(2025, 9, 1), D(2026, 8, 1)),  # 75 on 2 August: one more period
        (D(1951, 8, 1), D(2025, 9, 1), None),  # 75 on 1 August: no new period
    ],
)
def test_the_next_70_to_74_term(birth, after, expected):
    assert next_term_start(birth, after) == expected


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "birth", "today", "expected"),
    [
        # An ordinary renewal: the day after, never before today.
        (D(2022, 1, 1), D(2026, 12, 31), D(1985, 4, 1), DAY, D(2027, 1, 1)),
        (D(2021, 1, 1), D(2025, 12, 31), D(1985, 4, 1), DAY, DAY),
        # A certificate running past the 発効期日 (issued before the rule): replaced from it.
        (D(2025, 1, 1), D(2029, 12, 31), D(1956, 12, 20), DAY, D(2027, 1, 1)),
        # A 70-74 certificate running past 1 August: replaced from 1 August.
        (D(2026, 1, 5), D(2031, 1, 4), D(1953, 5, 5), D(2026, 7, 20), D(2026, 8, 1)),
        (D(2026, 1, 5), D(2026, 7, 31), D(1953, 5, 5), D(2026, 7, 20), D(2026, 8, 1)),
    ],
)
def test_where_a_renewal_starts(valid_from, valid_to, birth, today, expected):
    assert renewal_start(valid_from, valid_to, birth, today) == expected


@pytest.mark.parametrize(
    ("valid_to", "lost", "expected"),
    [
        (D(2031, 11, 25), None, None),
        (D(2031, 11, 25), D(2060, 4, 1), None),  # far beyond: blank as on the sample
        (D(2028, 5, 4), D(2028, 5, 5), D(2028, 5, 5)),  # the 75th birthday ends it
        (D(2031, 11, 25), D(2027, 4, 1), D(2027, 4, 1)),
    ],
)
def test_the_printed_loss_date(valid_to, lost, expected):
    assert printed_loss_date(valid_to, lost) == expected


ENROLLED = MemberFacts(acquired_on=D(2026, 10, 1))


@pytest.mark.parametrize(
    ("registration", "needs_assistance", "expected"),
    [
        ("registered", False, "利用登録があるため"),
        ("registered", True, None),  # a 要配慮者 keeps the registration
        ("cancelled", True, None),
        (None, True, None),
    ],
)
def test_a_person_who_needs_assistance_is_not_refused_for_a_registration(
    registration, needs_assistance, expected
):
    message = refusal(
        Candidate("山田　花子", ENROLLED, registration), DAY, needs_assistance=needs_assistance
    )
    assert (message is None) if expected is None else (expected in message)


def test_a_person_who_needs_assistance_is_still_refused_when_not_covered():
    facts = MemberFacts(acquired_on=D(2010, 4, 1), lost_on=DAY)
    assert "加入していない" in refusal(Candidate("山田", facts, None), DAY, needs_assistance=True)


@pytest.mark.parametrize(
    ("length", "css_class", "shown"),
    [
        (1, "", "あ"),
        (18, "", "あ" * 18),
        (19, "fit-s", "あ" * 19),
        (38, "fit-s", "あ" * 38),
        # Past what the front holds at 8 pt: cut there, whole on the back.
        (39, "fit-s", "あ" * 33 + "…(裏面)"),
        (100, "fit-s", "あ" * 33 + "…(裏面)"),
    ],
)
def test_long_names_step_down_to_8_pt_then_are_cut_on_the_front(length, css_class, shown):
    fitted = fit("name", "あ" * length)
    assert (fitted.css_class, fitted.text, fitted.cut) == (css_class, shown, length > 38)
