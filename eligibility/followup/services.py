"""Members with no valid way to prove eligibility on a day: staff's follow-up list and its CSV.

Definition: enrolled on the day, and holding none of
  - a usable マイナ保険証 (registration active that day, card not said to be missing, its
    electronic certificate valid or within the 3-month grace: rules.myna_hokensho_usable),
  - a valid 資格確認書 (rules.certificate_valid),
  - a valid legacy card (rules.legacy_card_valid).
These are exactly the people whose advice is Primary.NONE, or Primary.NOTICE_PROVISIONAL while
the provisional measure lasts (the お知らせ is then accepted only as a stopgap, so they still
need a document). tests/test_eligibility_pages.py checks the two agree for every demo member.
A day on which the records cannot tell whether the registration counted (a roster 有 or 解除
without a date: rules.registration_unknown) does not list the person: nothing shows that they
held nothing (their advice is Primary.MYNA_UNCONFIRMED). Coverage follows members.coverage
(enrolled_on, and the effective loss date in the facts: the 75th birthday, a dependent leaving
with the insured person).

How it scales (about 100,000 members): SQL first drops everyone it can prove holds a valid
document: a 資格確認書 valid that day and a legacy card valid that day are decided exactly in
SQL, and a registration that surely works (registered by then, not cancelled, card not said
missing, its certificate not yet expired) conservatively. Once the transition settles that is
most members. The remaining candidates stream from one ordered query (registration and legacy
card LEFT JOINed, no certificate needed: valid ones were already excluded) in chunks of 2,000,
and the rules decide each in Python (cancellations ending at the end of the following month,
the certificate grace). Only primary keys are kept; a page, or a CSV chunk, loads its own rows.
Measured on this kind of machine with 100,000 members of whom about 23,000 are listed: 0.35 s
for the list (every page recomputes it), 2.5 s for the streamed CSV.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import batched

from django.db.models import Exists, OuterRef, Q, QuerySet

from eligibility.models import EligibilityCertificate, LegacyCard, MynaRegistration
from eligibility.rules import (
    LEGACY_CARD_END,
    MYNA_HOKENSHO_START,
    MemberFacts,
    certificate_valid,
    legacy_card_valid,
    myna_hokensho_usable,
    registration_unknown,
)
from eligibility.status import PersonStatus, statuses_for
from members.access import member_records
from members.coverage import coverage_lost_on
from members.export import PERSON_COLUMNS, person_cells
from members.models import Employer, Member
from portal.services import spreadsheet_csv

CHUNK = 2000
Status = MynaRegistration.Status


def has_valid_document(facts: MemberFacts, day: date) -> bool:
    """Holds a valid document on `day`, or may have (a registration of unknown date)."""
    return (
        myna_hokensho_usable(facts, day)
        or registration_unknown(facts, day)
        or certificate_valid(facts, day)
        or legacy_card_valid(facts, day)
    )


def candidates(day: date, employer: Employer | None = None) -> QuerySet[Member]:
    """Members enrolled on `day` whom SQL cannot prove to hold a valid document."""
    members = Member.objects.enrolled_on(day)
    if employer is not None:
        members = members.filter(employer=employer)
    certificate = EligibilityCertificate.objects.filter(
        member=OuterRef("pk"), valid_from__lte=day, valid_to__gte=day
    ).filter(
        Q(returned_on__isnull=True) | Q(returned_on__gt=day),
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=day),
    )
    registration = MynaRegistration.objects.filter(
        member=OuterRef("pk"), status=Status.REGISTERED, registered_on__lte=day
    ).filter(
        Q(has_card__isnull=True) | Q(has_card=True),
        Q(card_certificate_expires_on__isnull=True) | Q(card_certificate_expires_on__gte=day),
    )
    members = members.exclude(Exists(certificate)).exclude(Exists(registration))
    if day <= LEGACY_CARD_END:
        card = LegacyCard.objects.filter(member=OuterRef("pk")).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        )
        members = members.exclude(Exists(card) & Q(acquired_on__lt=MYNA_HOKENSHO_START))
    return members


# The insured person's dates come in the same row (enrolled_on joins them already), so the
# effective loss date costs no query per person.
_ROW = (
    "pk",
    "acquired_on",
    "lost_on",
    "birth_date",
    "insured_id",
    "insured__lost_on",
    "insured__birth_date",
    "myna_registration__status",
    "myna_registration__registered_on",
    "myna_registration__registered_on_estimated",
    "myna_registration__cancellation_applied_on",
    "myna_registration__cancellation_estimated",
    "myna_registration__card_certificate_expires_on",
    "myna_registration__has_card",
    "legacy_card__pk",
    "legacy_card__expires_on",
)


def _facts(row: tuple) -> MemberFacts:
    acquired, lost, born, insured_id, insured_lost, insured_born = row[:6]
    status, registered, registered_est, cancelled, cancelled_est = row[6:11]
    card_expires, has_card, card_pk, legacy = row[11:]
    if status not in {Status.REGISTERED, Status.CANCELLED}:
        registered = cancelled = None
    elif status == Status.REGISTERED:
        cancelled = None
    return MemberFacts(
        acquired_on=acquired,
        lost_on=coverage_lost_on(
            lost,
            born,
            insured_lost_on=insured_lost if insured_id else None,
            insured_birth_date=insured_born if insured_id else None,
        ),
        birth_date=born,
        registered_on=registered,
        registration_cancelled_on=cancelled,
        registered_on_estimated=registered is not None and bool(registered_est),
        cancellation_estimated=cancelled is not None and bool(cancelled_est),
        card_certificate_expires_on=card_expires,
        has_card=has_card,
        legacy_card_issued=card_pk is not None,
        legacy_card_expires_on=legacy,
    )


def without_valid_document(day: date, employer: Employer | None = None) -> list[int]:
    """Primary keys, in 記号・番号・枝番 order, of members with no valid document on `day`."""
    rows = (
        candidates(day, employer)
        .order_by("kigo", "bango", "edaban")
        .values_list(*_ROW)
        .iterator(chunk_size=CHUNK)
    )
    return [row[0] for row in rows if not has_valid_document(_facts(row[1:]), day)]


def load_statuses(pks: list[int], day: date) -> list[PersonStatus]:
    """The members behind `pks` (in that order) with their advice for `day`."""
    # The insured person joined for the effective loss date (eligibility.facts.coverage_ends).
    rows = (
        member_records()
        .select_related("myna_registration", "insured")
        .defer("insured__mynumber_token", "insured__mynumber_hash")
        .filter(pk__in=pks)
    )
    members = {m.pk: m for m in rows}
    return statuses_for([members[pk] for pk in pks if pk in members], day)


CSV_HEADER = [
    *PERSON_COLUMNS,
    "資格取得年月日",
    "マイナ保険証",
    "受診の際の書類",
    "次の対応",
]


def registration_label(member: Member) -> str:
    try:
        return member.myna_registration.get_status_display()
    except MynaRegistration.DoesNotExist:
        return "不明"


def csv_lines(pks: list[int], day: date) -> Iterator[str]:
    """The export, streamed in chunks. No My Number, not even its last digits."""
    return spreadsheet_csv(CSV_HEADER, _csv_rows(pks, day))


def _csv_rows(pks: list[int], day: date) -> Iterator[list[object]]:
    for chunk in batched(pks, CHUNK):
        for status in load_statuses(list(chunk), day):
            member, advice = status.member, status.advice
            yield [
                *person_cells(member),
                member.acquired_on.isoformat(),
                registration_label(member),
                advice.primary.label,
                advice.next_step.text if advice.next_step else "",
            ]
