"""When membership ends (members.coverage): the roster's date, the 75th birthday, and a
dependent leaving with the insured person. Pure rules, tables at every boundary."""

from __future__ import annotations

from datetime import date

import pytest

from members.coverage import (
    coverage_lost_on,
    late_elderly_born_on_or_before,
    late_elderly_from,
)
from members.models import Member
from tests.factories import make_member

D = date.fromisoformat


@pytest.mark.parametrize(
    ("birth_date", "first_day_outside"),
    [
        ("1951-06-15", "2026-06-15"),
        ("1951-06-01", "2026-06-01"),
        ("1952-02-29", "2027-02-28"),  # no 29 February in 2027
        ("1948-02-29", "2023-02-28"),
        ("1952-12-31", "2027-12-31"),
    ],
)
def test_the_75th_birthday_is_the_first_day_outside(birth_date, first_day_outside):
    assert late_elderly_from(D(birth_date)) == D(first_day_outside)


@pytest.mark.parametrize(
    ("lost_on", "birth_date", "insured", "expected"),
    [
        # The insured person alone: the roster's date, or the 75th birthday if sooner.
        (None, "1951-06-15", None, "2026-06-15"),
        ("2026-04-01", "1951-06-15", None, "2026-04-01"),
        ("2026-06-15", "1951-06-15", None, "2026-06-15"),
        ("2026-06-16", "1951-06-15", None, "2026-06-15"),
        # A dependent: never past the insured person's own end.
        (None, "1990-01-01", (None, "1980-01-01"), "2055-01-01"),  # the insured turns 75
        (None, "1990-01-01", ("2026-04-01", "1980-01-01"), "2026-04-01"),
        ("2026-03-31", "1990-01-01", ("2026-04-01", "1980-01-01"), "2026-03-31"),
        ("2026-04-02", "1990-01-01", ("2026-04-01", "1980-01-01"), "2026-04-01"),
        # The insured person turns 75: the younger spouse leaves with them.
        (None, "1956-03-03", (None, "1951-06-15"), "2026-06-15"),
        # The dependent turns 75 first.
        (None, "1950-01-10", (None, "1953-05-05"), "2025-01-10"),
    ],
)
def test_coverage_ends_on_the_earliest_date(lost_on, birth_date, insured, expected):
    insured_lost_on, insured_birth = insured or (None, None)
    got = coverage_lost_on(
        lost_on and D(lost_on),
        D(birth_date),
        insured_lost_on=insured_lost_on and D(insured_lost_on),
        insured_birth_date=insured_birth and D(insured_birth),
    )
    assert got == D(expected)


@pytest.mark.parametrize(
    ("day", "latest_birth_date"),
    [
        ("2026-06-15", "1951-06-15"),
        ("2026-06-14", "1951-06-14"),
        ("2027-02-28", "1952-02-29"),  # born on the 29th: 75 on the 28th in a common year
        ("2028-02-28", "1953-02-28"),
        ("2028-02-29", "1953-02-28"),  # no 29 February in 1953
    ],
)
def test_who_has_reached_75_on_a_day(day, latest_birth_date):
    assert late_elderly_born_on_or_before(D(day)) == D(latest_birth_date)


@pytest.mark.parametrize(
    ("day", "enrolled"),
    [
        ("2026-04-01", {"本人", "配偶者", "子"}),
        ("2026-06-14", {"本人", "配偶者", "子"}),
        ("2026-06-15", set()),  # the insured person's 75th birthday: the household leaves
    ],
)
def test_the_enrolled_query_and_the_record_agree(db, day, enrolled):
    insured = make_member(bango="70", name="長寿　太郎", birth_date=D("1951-06-15"))
    make_member(insured=insured, edaban="01", relation="配偶者", birth_date=D("1958-01-01"))
    make_member(insured=insured, edaban="02", relation="子", birth_date=D("1990-01-01"))
    household = Member.objects.filter(bango="70")
    queried = {m.relation for m in household.enrolled_on(D(day))}
    by_record = {m.relation for m in household.select_related("insured") if m.is_enrolled(D(day))}
    assert queried == by_record == enrolled


def test_a_dependent_leaves_with_the_insured_person(db):
    insured = make_member(bango="71", lost_on=D("2026-04-01"))
    child = make_member(insured=insured, edaban="01", relation="子", birth_date=D("2010-01-01"))
    assert child.is_enrolled(D("2026-03-31")) and not child.is_enrolled(D("2026-04-01"))
    assert not Member.objects.filter(pk=child.pk).enrolled_on(D("2026-04-01")).exists()
