"""What each person presents at the clinic on a day: the status cards of the member dashboard
and the staff member page, built from the records (eligibility.facts) by the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from eligibility.advice import advise
from eligibility.facts import build_facts, certificate_facts, facts_for_members
from eligibility.models import (
    EligibilityCertificate,
    LegacyCard,
    MynaRegistration,
    SmartphonePreference,
)
from eligibility.rules import ClinicAdvice, Primary
from members.households import Household
from members.models import Member

# The flowchart's steps 1 and 2: only these depend on whether the person has a smartphone.
MYNA_PRIMARIES = frozenset(
    {Primary.MYNA_PORTAL_SCREEN, Primary.MYNA_CARD_WITH_NOTICE, Primary.MYNA_CARD}
)


@dataclass(frozen=True)
class PersonStatus:
    """One person's status card: the advice for the day and what the member has told us."""

    member: Member
    advice: ClinicAdvice
    has_smartphone: bool | None

    @property
    def asks_smartphone(self) -> bool:
        # Only the flowchart's steps 1 and 2 turn on the answer.
        return self.advice.primary in MYNA_PRIMARIES


@dataclass(frozen=True)
class StaffStatus(PersonStatus):
    registration: MynaRegistration | None = None
    legacy_card: LegacyCard | None = None
    certificates: list[EligibilityCertificate] = field(default_factory=list)


def statuses_for(
    members: list[Member],
    day: date,
    certificates: list[EligibilityCertificate] | None = None,
) -> list[PersonStatus]:
    """certificates: the members' 資格確認書 if already read (else read here)."""
    facts = facts_for_members(members, day, certificates)
    return [
        PersonStatus(member, advise(facts[member.pk], day), facts[member.pk].has_smartphone)
        for member in members
    ]


def household_advice(
    household: Household | None,
    day: date,
    certificates: list[EligibilityCertificate] | None = None,
) -> list[PersonStatus]:
    """A status card per person of the household (insured person first), for `day`;
    certificates: household_certificates(household), when the page shows them anyway."""
    return statuses_for(household.people, day, certificates) if household else []


def member_advice(member: Member, day: date) -> ClinicAdvice:
    return statuses_for([member], day)[0].advice


def staff_status(member: Member, day: date) -> StaffStatus:
    """The member page's section: the advice, and every record behind it."""
    certificates = list(EligibilityCertificate.objects.filter(member=member))
    registration = MynaRegistration.objects.filter(member=member).first()
    legacy_card = LegacyCard.objects.filter(member=member).first()
    phone = (
        SmartphonePreference.objects.filter(member=member)
        .values_list("has_smartphone", flat=True)
        .first()
    )
    facts = build_facts(
        member,
        day,
        registration=registration,
        legacy_card=legacy_card,
        certificates=[certificate_facts(c) for c in certificates],
        has_smartphone=phone,
    )
    return StaffStatus(
        member=member,
        advice=advise(facts, day),
        has_smartphone=phone,
        registration=registration,
        legacy_card=legacy_card,
        certificates=certificates,
    )


def household_certificates(household: Household | None) -> list[EligibilityCertificate]:
    """The household's 資格確認書 for the member's home, newest first per person."""
    if household is None:
        return []
    people = {person.pk: person for person in household.people}
    newest_first = EligibilityCertificate.objects.filter(member__in=list(people)).order_by(
        "-valid_from", "-pk"
    )
    # Per person in 枝番 order (a stable sort keeps the newest first within each person).
    certificates = sorted(newest_first, key=lambda c: people[c.member_id].edaban)
    for certificate in certificates:
        # The household's people are loaded, each dependent with its insured person (for
        # EligibilityCertificate.lapse): no join to read them again.
        certificate.member = people[certificate.member_id]
    return certificates
