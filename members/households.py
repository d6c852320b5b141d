"""A household as its member sees it: the insured person first, then dependents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from members.models import Member


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
    insured = Member.objects.select_related("employer").filter(account=user).first()
    if insured is None:
        return None
    dependents = list(Member.objects.filter(insured=insured).order_by("edaban"))
    for dependent in dependents:
        dependent.insured = insured  # coverage reads the insured person: no query per person
    people = [insured, *dependents]
    for person in people:
        person.enrolled = person.is_enrolled(day)
    return Household(insured=insured, people=people)
