"""Who may be applied for, fed from the records to the pure rules
(eligibility.certificate_rules), and whether a certificate could be issued at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from eligibility import certificate_rules
from eligibility.certificate_rules import Candidate, refusal
from eligibility.certificates.services import period_for
from eligibility.facts import facts_for_members
from eligibility.models import ApplicationPerson, CertificateApplication, MynaRegistration
from eligibility.records.services import EligibilityRefused
from members.coverage import is_elderly_on
from members.models import Member

Reason = CertificateApplication.Reason
REASON_DETAIL_MAX = 200


def candidates(
    members: Sequence[Member], day: date, *, ignore: CertificateApplication | None = None
) -> dict[int, Candidate]:
    """Each person's Candidate on `day`, in a handful of queries whatever their number."""
    # Coverage as members.coverage has it: the 75th birthday, and a dependent's insured person.
    by_pk = {m.pk: m for m in members}
    facts = {
        pk: replace(found, lost_on=by_pk[pk].coverage_lost_on)
        for pk, found in facts_for_members(members, day).items()
    }
    ids = [m.pk for m in members]
    registrations = dict(
        MynaRegistration.objects.filter(member_id__in=ids).values_list("member_id", "status")
    )
    open_rows = ApplicationPerson.objects.filter(member_id__in=ids, open=True)
    if ignore is not None:
        open_rows = open_rows.exclude(application=ignore)
    pending = {row.member_id: f"A{row.application_id:06d}" for row in open_rows}
    return {
        m.pk: Candidate(
            name=m.name,
            facts=facts[m.pk],
            registration=registrations.get(m.pk),
            open_application=pending.get(m.pk),
        )
        for m in members
    }


def refusals(
    members: Sequence[Member],
    day: date,
    *,
    ignore: CertificateApplication | None = None,
    needs_assistance: bool = False,
) -> dict[int, str | None]:
    """Why each person cannot be applied for on `day` (None: they can). A 要配慮者's
    application (needs_assistance) is not refused for a マイナ保険証 registration."""
    found = candidates(members, day, ignore=ignore)
    return {
        pk: refusal(candidate, day, needs_assistance=needs_assistance)
        for pk, candidate in found.items()
    }


def issue_problem(member: Member, start: date, *, needs_assistance: bool) -> str | None:
    """Why no certificate could be issued to `member` from `start` (no 負担割合 on file for a
    70-74 person, coverage ending), checked before approving so that nothing is written."""
    try:
        valid_from, _ = period_for(member, start, needs_assistance=needs_assistance)
    except EligibilityRefused as refused:
        return f"{member.name}さん: {refused.message}"
    if is_elderly_on(member.birth_date, valid_from) and not (member.copay_rate):
        return f"{member.name}さん: {certificate_rules.RATE_MISSING}"
    return None


def household_key(member: Member) -> int:
    return member.insured_id or member.pk


def check_reason(reason: str, detail: str) -> list[str]:
    if reason not in Reason.values:
        return ["申請理由を選んでください。"]
    if reason == Reason.OTHER and not detail.strip():
        return ["申請理由が「その他」のときは、理由を具体的に入力してください。"]
    if len(detail) > REASON_DETAIL_MAX:
        return [f"申請理由は{REASON_DETAIL_MAX}文字以内で入力してください。"]
    return []
