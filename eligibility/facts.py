"""From the records to the rules' input: rules.MemberFacts for one person on one day.

Loaded in bulk (one query for the one-to-one records, one for the 資格確認書, for any number of
people), so a household, a page of a list or a chunk of 2,000 members costs the same two
queries, and a third for the insured persons of dependents whose insured person is not loaded
already.

MemberFacts.lost_on is the effective first day without coverage (members.coverage: the
roster's 資格喪失年月日, the 75th birthday, a dependent leaving with the insured person).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from eligibility.models import EligibilityCertificate, LegacyCard, MynaRegistration
from eligibility.rules import CertificateFacts, MemberFacts
from members.coverage import coverage_lost_on
from members.models import Member


def certificate_facts(certificate: EligibilityCertificate) -> CertificateFacts:
    return CertificateFacts(
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        returned_on=certificate.returned_on,
        revoked_on=certificate.revoked_on,
        # getattr: the 要配慮者 field arrives with the certificates' own migration.
        needs_assistance=getattr(certificate, "needs_assistance", False),
    )


def pick_certificate(
    certificates: Iterable[CertificateFacts], day: date
) -> CertificateFacts | None:
    """The one 資格確認書 that speaks for `day`: one valid that day (the longest-lasting, should
    renewals overlap), else the latest that had begun (to say why it no longer works), else the
    next one to begin."""
    certificates = list(certificates)

    def in_force(cert: CertificateFacts) -> bool:
        ended = cert.ended_on
        return cert.valid_from <= day <= cert.valid_to and (ended is None or day < ended)

    valid = [c for c in certificates if in_force(c)]
    if valid:
        return max(valid, key=lambda c: c.valid_to)
    begun = [c for c in certificates if c.valid_from <= day]
    if begun:
        return max(begun, key=lambda c: (c.valid_from, c.valid_to))
    future = [c for c in certificates if c.valid_from > day]
    return min(future, key=lambda c: c.valid_from) if future else None


def registration_dates(
    registration: MynaRegistration | None,
) -> tuple[date | None, date | None]:
    """(registered_on, registration_cancelled_on) as the rules read them."""
    if registration is None or registration.status == MynaRegistration.Status.NOT_REGISTERED:
        return None, None
    if registration.status == MynaRegistration.Status.REGISTERED:
        return registration.registered_on, None
    return registration.registered_on, registration.cancellation_applied_on


def registration_estimates(registration: MynaRegistration | None) -> tuple[bool, bool]:
    """(registered_on_estimated, cancellation_estimated) for the dates registration_dates gives."""
    registered_on, cancelled_on = registration_dates(registration)
    if registration is None:
        return False, False
    return (
        registered_on is not None and registration.registered_on_estimated,
        cancelled_on is not None and registration.cancellation_estimated,
    )


def coverage_ends(members: Iterable[Member]) -> dict[int, date]:
    """Each member's effective first day without coverage (members.coverage), by pk.

    A dependent's end depends on the insured person's: read from the list itself or an already
    loaded `insured` (select_related), else all of them in one query, never one per person.
    """
    members = list(members)
    insured_field = Member._meta.get_field("insured")
    known: dict[int, tuple[date | None, date]] = {m.pk: (m.lost_on, m.birth_date) for m in members}
    for member in members:
        if member.insured_id and insured_field.is_cached(member) and member.insured is not None:
            known[member.insured_id] = (member.insured.lost_on, member.insured.birth_date)
    missing = {m.insured_id for m in members if m.insured_id and m.insured_id not in known}
    if missing:
        rows = Member.objects.filter(pk__in=missing).values_list("pk", "lost_on", "birth_date")
        known.update({pk: (lost_on, born) for pk, lost_on, born in rows})
    ends = {}
    for member in members:
        insured = known.get(member.insured_id) if member.insured_id else None
        ends[member.pk] = coverage_lost_on(
            member.lost_on,
            member.birth_date,
            insured_lost_on=insured[0] if insured else None,
            insured_birth_date=insured[1] if insured else None,
        )
    return ends


def build_facts(
    member: Member,
    day: date,
    *,
    registration: MynaRegistration | None = None,
    legacy_card: LegacyCard | None = None,
    certificates: Iterable[CertificateFacts] = (),
    has_smartphone: bool | None = None,
    lost_on: date | None = None,
) -> MemberFacts:
    """lost_on: the effective first day without coverage from coverage_ends(); when not given
    it is read from the member (Member.coverage_lost_on: a query for a dependent whose insured
    person is not loaded)."""
    registered_on, cancelled_on = registration_dates(registration)
    registered_estimated, cancellation_estimated = registration_estimates(registration)
    return MemberFacts(
        acquired_on=member.acquired_on,
        lost_on=lost_on if lost_on is not None else member.coverage_lost_on,
        birth_date=member.birth_date,
        registered_on=registered_on,
        registration_cancelled_on=cancelled_on,
        registered_on_estimated=registered_estimated,
        cancellation_estimated=cancellation_estimated,
        card_certificate_expires_on=(
            registration.card_certificate_expires_on if registration else None
        ),
        has_card=registration.has_card if registration else None,
        has_smartphone=has_smartphone,
        legacy_card_issued=legacy_card is not None,
        legacy_card_expires_on=legacy_card.expires_on if legacy_card else None,
        certificate=pick_certificate(certificates, day),
    )


def _one_to_one_records(
    ids: list[int],
) -> dict[int, tuple[MynaRegistration | None, LegacyCard | None, bool | None]]:
    """Each member's registration, legacy card and smartphone answer: the three records are
    one-to-one with the member, so one query with outer joins reads them all."""
    rows = (
        Member.objects.filter(pk__in=ids)
        .select_related("myna_registration", "legacy_card", "smartphone_preference")
        .only("pk", "myna_registration", "legacy_card", "smartphone_preference")
        .order_by()
    )
    found = {}
    for row in rows:
        phone = getattr(row, "smartphone_preference", None)
        found[row.pk] = (
            getattr(row, "myna_registration", None),
            getattr(row, "legacy_card", None),
            phone.has_smartphone if phone is not None else None,
        )
    return found


def facts_for_members(
    members: Iterable[Member],
    day: date,
    certificates: Iterable[EligibilityCertificate] | None = None,
) -> dict[int, MemberFacts]:
    """MemberFacts per member pk, in two or three queries whatever the number of members.

    certificates: the members' 資格確認書 when the caller has read them already (the member's
    home shows them too), else read here."""
    members = list(members)
    ids = [member.pk for member in members]
    ends = coverage_ends(members)
    records = _one_to_one_records(ids)
    if certificates is None:
        certificates = EligibilityCertificate.objects.filter(member_id__in=ids)
    by_member: dict[int, list[CertificateFacts]] = defaultdict(list)
    for certificate in certificates:
        by_member[certificate.member_id].append(certificate_facts(certificate))
    facts = {}
    for member in members:
        registration, legacy_card, has_smartphone = records.get(member.pk, (None, None, None))
        facts[member.pk] = build_facts(
            member,
            day,
            registration=registration,
            legacy_card=legacy_card,
            certificates=by_member.get(member.pk, ()),
            has_smartphone=has_smartphone,
            lost_on=ends[member.pk],
        )
    return facts


def facts_for(member: Member, day: date) -> MemberFacts:
    """The rules' input for one person on `day` (the day picks among several 資格確認書)."""
    return facts_for_members([member], day)[member.pk]
