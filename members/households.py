"""A household as its member sees it: the insured person first, then dependents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet, Subquery

from members.models import Member, vault_columns


def household_members(user: Any) -> QuerySet[Member]:
    """Everyone in the household whose insured person this login is linked to: that person and
    their dependents. The one definition every access helper filters by.

    Written as `account = user OR insured_id = (the linked person's id)`, which PostgreSQL
    answers from the two indexes; `account = user OR insured.account = user` (across the join)
    cannot use an index and read the whole members table twice: 225 ms at 600,000 members
    against 0.1 ms (tests/test_household_queries.py)."""
    linked = Member.objects.filter(account=user).order_by().values("pk")[:1]
    return Member.objects.filter(Q(account=user) | Q(insured_id=Subquery(linked)))


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
