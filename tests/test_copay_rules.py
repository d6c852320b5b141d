"""The pure rules of ages 70 to 75 that the roster and the worklist use (members.coverage,
members.roster.rules): table-driven at every boundary date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eligibility.certificate_rules import elderly_start
from members.coverage import (
    copay_period_end,
    copay_rate_allowed,
    elderly_born_between,
    elderly_from,
    is_elderly_on,
    reaches_age_on,
)
from members.roster.rules import (
    copay_rate_refusal,
    joined_after_75,
    lost_at_75,
    lost_at_75_warning,
    outlasts_insured,
    outlasts_insured_warning,
    parse_copay_rate,
)
from members.validators import RosterValueError

D = date


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (D(1955, 1, 1), D(1955 + 70, 1, 1)),  # born on the 1st: the birthday's own month
        (D(1955, 1, 2), D(2025, 2, 1)),
        (D(1955, 1, 31), D(2025, 2, 1)),
        (D(1955, 3, 1), D(2025, 3, 1)),
        (D(1955, 12, 1), D(2025, 12, 1)),
        (D(1955, 12, 2), D(2026, 1, 1)),  # the year turns
        (D(1955, 12, 31), D(2026, 1, 1)),
        (D(1956, 2, 29), D(2026, 3, 1)),  # 70 on 28 February of a common year
        (D(1952, 2, 29), D(2022, 3, 1)),  # 70 on 29 February of a leap year
        (D(1952, 3, 1), D(2022, 3, 1)),
    ],
)
def test_the_elderly_rate_starts_on_the_first_of_the_month_after_70(birth, expected):
    assert elderly_from(birth) == expected
    # eligibility's 発効期日 is the same rule, one definition.
    assert elderly_start(birth) == expected


@pytest.mark.parametrize(
    ("birth", "age", "expected"),
    [
        (D(1955, 6, 10), 70, D(2025, 6, 9)),
        (D(1955, 6, 1), 70, D(2025, 5, 31)),
        (D(1956, 2, 29), 70, D(2026, 2, 27)),
        (D(1956, 3, 1), 70, D(2026, 2, 28)),
    ],
)
def test_an_age_is_reached_the_day_before_the_birthday(birth, age, expected):
    assert reaches_age_on(birth, age) == expected


BIRTH = D(1955, 6, 10)  # 発効期日 2025-07-01, 75th birthday 2030-06-10


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        (BIRTH, D(2025, 6, 9), False),  # reached 70, the month not over
        (BIRTH, D(2025, 6, 30), False),
        (BIRTH, D(2025, 7, 1), True),  # 発効期日
        (BIRTH, D(2030, 6, 9), True),  # the day before the 75th birthday
        (BIRTH, D(2030, 6, 10), False),  # the 75th birthday
        (D(1955, 6, 1), D(2025, 5, 31), False),  # born on the 1st
        (D(1955, 6, 1), D(2025, 6, 1), True),
        (D(1955, 6, 1), D(2030, 5, 31), True),
        (D(1955, 6, 1), D(2030, 6, 1), False),
        (D(1952, 2, 29), D(2022, 2, 28), False),
        (D(1952, 2, 29), D(2022, 3, 1), True),
        (D(1952, 2, 29), D(2027, 2, 27), True),
        (D(1952, 2, 29), D(2027, 2, 28), False),  # 75 on 28 February in a common year
    ],
)
def test_who_is_70_to_74_on_a_day(birth, day, expected):
    assert is_elderly_on(birth, day) is expected


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 1, 1),
        D(2026, 2, 28),
        D(2026, 3, 1),
        D(2027, 2, 28),
        D(2028, 2, 29),
        D(2028, 3, 1),
        D(2026, 7, 31),
        D(2026, 8, 1),
        D(2026, 12, 31),
    ],
)
def test_the_query_bounds_agree_with_the_rule_for_every_birth_date(day):
    after, on_or_before = elderly_born_between(day)
    born = D(1948, 1, 1)
    while born < D(1960, 1, 1):
        assert (after < born <= on_or_before) is is_elderly_on(born, day), (born, day)
        born += timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 1, 1), D(2026, 7, 31)),
        (D(2026, 7, 30), D(2026, 7, 31)),
        (D(2026, 7, 31), D(2026, 7, 31)),  # the last day of the period
        (D(2026, 8, 1), D(2027, 7, 31)),  # a new period from 1 August
        (D(2026, 12, 31), D(2027, 7, 31)),
        (D(2028, 2, 29), D(2028, 7, 31)),
    ],
)
def test_the_rate_period_ends_on_the_next_31_july(day, expected):
    assert copay_period_end(day) == expected


@pytest.mark.parametrize(
    ("birth", "day", "allowed"),
    [
        # Imported on 31 July: the period ends that day.
        (D(1956, 8, 1), D(2026, 7, 31), True),  # reaches 70 on 31 July (the birthday's eve)
        (D(1956, 8, 2), D(2026, 7, 31), False),  # reaches 70 on 1 August: next period
        # Imported on 1 August: the period runs to 31 July of the next year.
        (D(1956, 8, 2), D(2026, 8, 1), True),
        (D(1957, 8, 1), D(2026, 8, 1), True),
        (D(1957, 8, 2), D(2026, 8, 1), False),
        (D(1950, 1, 1), D(2026, 8, 1), True),  # long past 70
        (D(1990, 1, 1), D(2026, 8, 1), False),
        (D(1956, 2, 29), D(2026, 7, 31), True),
    ],
)
def test_a_rate_is_accepted_for_whoever_reaches_70_by_the_next_31_july(birth, day, allowed):
    assert copay_rate_allowed(birth, day) is allowed
    refusal = copay_rate_refusal(birth, day)
    assert (refusal is None) is allowed
    if refusal:
        assert "70歳" in refusal and "(" in refusal  # 和暦 with the 西暦 year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2割", "2割"),
        ("3割", "3割"),
        ("2", "2割"),
        ("3", "3割"),
        ("２割", "2割"),
        ("３", "3割"),
        (" 3 割 ", "3割"),
        ("\u30003割\u3000", "3割"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_the_rate_cell_is_folded(text, expected):
    assert parse_copay_rate(text) == expected


@pytest.mark.parametrize("text", ["1割", "4", "23", "2割3", "二割", "0.2", "20%", "割", "3わり"])
def test_a_bad_rate_cell_is_refused_in_japanese(text):
    with pytest.raises(RosterValueError) as raised:
        parse_copay_rate(text)
    # One fixed message: the cell's text is never repeated.
    assert raised.value.message == (
        "負担割合は「2割」「3割」(または「2」「3」)で入力してください。70歳未満の方は空欄にします。"
    )


AT_75 = D(2026, 6, 10)  # born 1951-06-10


@pytest.mark.parametrize(
    ("lost_on", "day", "expected"),
    [
        (None, D(2026, 6, 9), None),  # the day before the 75th birthday: still a member
        (None, D(2026, 6, 10), AT_75),  # on the birthday
        (None, D(2030, 1, 1), AT_75),
        (D(2027, 4, 1), D(2026, 6, 10), AT_75),  # a later date
        (AT_75, D(2026, 6, 10), None),  # already the birthday
        (D(2026, 6, 11), D(2026, 6, 10), AT_75),
        (D(2026, 6, 9), D(2026, 6, 10), None),  # earlier: the file's date stands
        (D(2027, 4, 1), D(2026, 6, 9), None),  # not yet 75 on the import day
    ],
)
def test_a_loss_is_derived_on_the_75th_birthday(lost_on, day, expected):
    assert lost_at_75(lost_on, D(1951, 6, 10), day) == expected


def test_a_loss_on_29_february_is_the_28th_in_a_common_year():
    assert lost_at_75(None, D(1952, 2, 29), D(2027, 2, 28)) == D(2027, 2, 28)
    assert lost_at_75(None, D(1952, 2, 29), D(2027, 2, 27)) is None


def test_the_warnings_give_the_date_in_wareki_with_the_year():
    assert lost_at_75_warning(D(2021, 8, 20)) == (
        "75歳の誕生日(令和3年8月20日 (2021年))で資格を喪失したものとして取り込みました"
        "(後期高齢者医療制度へ移行)。"
    )
    assert "令和8年3月31日 (2026年)" in outlasts_insured_warning(None, D(2026, 3, 31))
    assert "本人より後" in outlasts_insured_warning(D(2026, 4, 1), D(2026, 3, 31))


@pytest.mark.parametrize(
    ("acquired", "refused"),
    [(D(2026, 6, 9), False), (D(2026, 6, 10), True), (D(2026, 7, 1), True)],
)
def test_nobody_joins_on_or_after_the_75th_birthday(acquired, refused):
    assert (joined_after_75(D(1951, 6, 10), acquired) is not None) is refused


@pytest.mark.parametrize(
    ("dependent", "insured", "warns"),
    [
        (None, None, False),
        (D(2026, 4, 1), None, False),
        (None, D(2026, 4, 1), True),
        (D(2026, 4, 2), D(2026, 4, 1), True),
        (D(2026, 4, 1), D(2026, 4, 1), False),  # on the insured person's loss date
        (D(2026, 3, 31), D(2026, 4, 1), False),
    ],
)
def test_a_dependent_outlasting_the_insured_person(dependent, insured, warns):
    assert outlasts_insured(dependent, insured) is warns
