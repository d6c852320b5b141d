"""A household as its member sees it: the insured person first, then dependents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from members.models import Member, vault_columns


def household_ids(user: Any) -> RawSQL:
    """The ids of everyone in the household whose insured person this login is linked to: that
    person and their dependents. The one definition every access helper filters by
    (`member_id__in=household_ids(user)`).

    `account = user OR insured_id = (the linked person's id)`, which PostgreSQL answers from
    the two indexes; `account = user OR insured.account = user` across a join can use no index
    and read the whole members table twice: 225 ms at 600,000 members against 0.1 ms
    (tests/test_household_queries.py). Written in SQL: Django builds a subquery of a queryset
    on every request, about as dear as the page's own query."""
    # The table's name is the model's own and the login's id a bound parameter: nothing typed.
    table = connection.ops.quote_name(Member._meta.db_table)
    return RawSQL(  # noqa: S611
        f"SELECT id FROM {table} WHERE account_id = %s"  # noqa: S608
        f" OR insured_id = (SELECT id FROM {table} WHERE account_id = %s)",
        (user.pk, user.pk),
    )


def household_members(user: Any) -> QuerySet[Member]:
    """The people of household_ids(user)."""
    return Member.objects.filter(pk__in=household_ids(user))


@dataclass(frozen=True)
class Household:
    insured: Member
    people: list[Member]


def household_of(user: Any, day: date) -> Household | None:
    """The household whose insured person this login is linked to, or None when unlinked.

    Each person carries `enrolled` (on `day`) for the templates.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    # The insured person and the dependents in one query; the insured person is the one the
    # login is linked to (the first in 記号・番号 order, should there ever be two).
    rows = list(household_members(user).select_related("employer").defer(*vault_columns()))
    insured = next((row for row in rows if row.account_id == user.pk), None)
    if insured is None:
        return None
    dependents = sorted(
        (row for row in rows if row.insured_id == insured.pk), key=lambda row: row.edaban
    )
    for dependent in dependents:
        dependent.insured = insured  # coverage reads the insured person: no query per person
    people = [insured, *dependents]
    for person in people:
        person.enrolled = person.is_enrolled(day)
    return Household(insured=insured, people=people)
