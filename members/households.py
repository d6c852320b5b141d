"""A household as its member sees it: the insured person first, then dependents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q

from members.models import Member, vault_columns


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
    rows = list(
        Member.objects.select_related("employer")
        .filter(Q(account=user) | Q(insured__account=user))
        .defer(*vault_columns())
    )
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
