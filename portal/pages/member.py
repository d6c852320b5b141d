"""The member's home as one card per person: each app's part for the household, regrouped by
person so that a phone shows a person's whole situation in one place, once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from members.households import Household
from members.models import Member


@dataclass
class PersonCard:
    """Everything the home page shows about one person, in the order a phone shows it."""

    person: Member
    status: Any = None  # eligibility.status.PersonStatus: what to bring today
    notice_row: Any = None  # notices.services.NoticeRow: the current notice and its state
    certificates: list[Any] = field(default_factory=list)
    cases: list[Any] = field(default_factory=list)


def person_cards(
    household: Household | None,
    statuses: Iterable[Any],
    notices: Any,
    certificates: Iterable[Any],
    cases: Iterable[Any],
) -> list[PersonCard]:
    """One card per person of the household, insured person first; regrouping only, no query
    beyond evaluating what the apps handed over."""
    if household is None:
        return []
    cards = {person.pk: PersonCard(person) for person in household.people}
    for status in statuses:
        if status.member.pk in cards:
            cards[status.member.pk].status = status
    for row in notices.rows if notices and notices.visible else []:
        if row.person.pk in cards:
            cards[row.person.pk].notice_row = row
    for certificate in certificates:
        if certificate.member_id in cards:
            cards[certificate.member_id].certificates.append(certificate)
    for case in cases:
        if case.member_id in cards:
            cards[case.member_id].cases.append(case)
    return list(cards.values())
