"""Applications for 資格確認書 through the employer: submit, withdraw, return, approve, issue.

Every verb runs in a transaction, locks what it decides on, and writes its audit event. The
refusal rules are pure (eligibility.certificate_rules.refusal); this module feeds them the
records. Dates come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from eligibility import notifications
from eligibility.certificate_rules import Candidate, refusal
from eligibility.certificates.services import issue_certificate, period_for
from eligibility.facts import facts_for_members
from eligibility.models import (
    ApplicationPerson,
    CertificateApplication,
    EligibilityCertificate,
    MynaRegistration,
)
from eligibility.records.services import EligibilityRefused
from members.models import Employer, Member
from portal import audit
from portal.models import Insurer

Status = CertificateApplication.Status
Reason = CertificateApplication.Reason
REASON_DETAIL_MAX = 200
RETURN_REASON_MAX = 500


class ApplicationRefused(Exception):
    """Why nothing was done, one message per problem (Japanese, shown as is)."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


# --- the refusal rules, fed from the records ---------------------------------------------------


def candidates(
    members: Sequence[Member], day: date, *, ignore: CertificateApplication | None = None
) -> dict[int, Candidate]:
    """Each person's Candidate on `day`, in a handful of queries whatever their number."""
    facts = facts_for_members(members, day)
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
    members: Sequence[Member], day: date, *, ignore: CertificateApplication | None = None
) -> dict[int, str | None]:
    found = candidates(members, day, ignore=ignore)
    return {pk: refusal(candidate, day) for pk, candidate in found.items()}


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


# --- submitting ---------------------------------------------------------------------------------


def create_application(
    employer: Employer,
    people: Sequence[Member],
    *,
    reason: str,
    reason_detail: str,
    applied_on: date,
    user: Any,
    ip: str | None,
    source: str = CertificateApplication.Source.FORM,
) -> CertificateApplication:
    """Inside the caller's transaction: check and create one application; raise if refused."""
    problems = check_reason(reason, reason_detail)
    if not people:
        problems.append("申請する方を1人以上選んでください。")
    if any(person.employer_id != employer.pk for person in people):
        problems.append("この事業所の加入者ではない方が含まれています。")
    if len({household_key(person) for person in people}) > 1:
        problems.append("1件の申請には同じ世帯(同じ被保険者)の方だけを含めてください。")
    if problems:
        raise ApplicationRefused(problems)
    # Locked in a fixed order: a concurrent application for the same people waits, then sees
    # this one's open rows.
    list(Member.objects.select_for_update().filter(pk__in=[p.pk for p in people]).order_by("pk"))
    found = refusals(people, applied_on)
    messages = [found[p.pk] for p in people if found[p.pk]]
    if messages:
        raise ApplicationRefused(messages)
    head = people[0].insured if people[0].insured_id else people[0]
    application = CertificateApplication.objects.create(
        employer=employer,
        insured=head,
        applied_on=applied_on,
        reason=reason,
        reason_detail=reason_detail.strip() if reason == Reason.OTHER else "",
        source=source,
        submitted_by=user,
    )
    try:
        with transaction.atomic():
            ApplicationPerson.objects.bulk_create(
                ApplicationPerson(
                    application=application,
                    member=p,
                    kigo=p.kigo,
                    bango=p.bango,
                    edaban=p.edaban,
                    name=p.name,
                    birth_date=p.birth_date,
                )
                for p in sorted(people, key=lambda p: p.edaban)
            )
    except IntegrityError:
        raise ApplicationRefused(["審査中の申請がある方が含まれています。"]) from None
    audit.record(
        "certificate_application.submit",
        actor=user,
        ip=ip,
        target=application,
        target_label=str(head),
        detail={
            "application_id": application.pk,
            "employer": employer.kigo,
            "people": len(people),
            "member_ids": [p.pk for p in people],
            "reason": reason,
            "source": source,
        },
    )
    return application


def submit(
    employer: Employer,
    people: Sequence[Member],
    *,
    reason: str,
    reason_detail: str = "",
    applied_on: date,
    user: Any,
    ip: str | None = None,
) -> CertificateApplication:
    with transaction.atomic():
        return create_application(
            employer,
            people,
            reason=reason,
            reason_detail=reason_detail,
            applied_on=applied_on,
            user=user,
            ip=ip,
        )


# --- the employer withdraws, staff return ----------------------------------------------------


def _locked(application: CertificateApplication) -> CertificateApplication:
    return CertificateApplication.objects.select_for_update().get(pk=application.pk)


def _close(application: CertificateApplication) -> None:
    ApplicationPerson.objects.filter(application=application).update(open=False)


def withdraw(
    application: CertificateApplication, *, user: Any, ip: str | None = None
) -> CertificateApplication:
    with transaction.atomic():
        current = _locked(application)
        if current.status != Status.SUBMITTED:
            raise ApplicationRefused(
                [f"この申請は「{current.get_status_display()}」のため取り下げられません。"]
            )
        current.status = Status.WITHDRAWN
        current.withdrawn_by, current.withdrawn_at = user, timezone.now()
        current.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
        _close(current)
        _audit("certificate_application.withdraw", current, user, ip)
    return current


def return_application(
    application: CertificateApplication,
    reason: str,
    *,
    user: Any,
    ip: str | None = None,
) -> CertificateApplication:
    """Send it back to the employer with a reason; they may apply again."""
    reason = reason.strip()
    if not reason:
        raise ApplicationRefused(["差戻しの理由を入力してください(事業所に表示されます)。"])
    if len(reason) > RETURN_REASON_MAX:
        raise ApplicationRefused([f"差戻しの理由は{RETURN_REASON_MAX}文字以内で入力してください。"])
    with transaction.atomic():
        current = _locked(application)
        if current.status not in (Status.SUBMITTED, Status.APPROVED):
            raise ApplicationRefused(
                [f"この申請は「{current.get_status_display()}」のため差し戻せません。"]
            )
        current.status = Status.RETURNED
        current.return_reason = reason
        current.decided_by, current.decided_at = user, timezone.now()
        current.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
        _close(current)
        _audit("certificate_application.return", current, user, ip)
        transaction.on_commit(lambda: notifications.application_returned(current.pk))
    return current


def _audit(action: str, application: CertificateApplication, user: Any, ip: str | None) -> None:
    audit.record(
        action,
        actor=user,
        ip=ip,
        target=application,
        target_label=str(application.insured),
        detail={"application_id": application.pk, "status": application.status},
    )


# --- approval and issue ----------------------------------------------------------------------


def approve(
    application: CertificateApplication,
    *,
    today: date,
    user: Any,
    ip: str | None = None,
) -> CertificateApplication:
    """Approve (checking the people again on `today`), then issue the certificates. An
    approved application whose issue failed is issued again."""
    with transaction.atomic():
        current = _locked(application)
        if current.status == Status.SUBMITTED:
            people = [row.member for row in current.persons.select_related("member")]
            found = refusals(people, today, ignore=current)
            problems = [found[p.pk] for p in people if found[p.pk]]
            if problems:
                raise ApplicationRefused(
                    [*problems, "承認できません。内容を確認し、差し戻してください。"]
                )
            current.status = Status.APPROVED
            current.decided_by, current.decided_at = user, timezone.now()
            current.save(update_fields=["status", "decided_by", "decided_at"])
            _audit("certificate_application.approve", current, user, ip)
        elif current.status != Status.APPROVED:
            raise ApplicationRefused(
                [f"この申請は「{current.get_status_display()}」のため承認できません。"]
            )
    return issue(current, today=today, actor=user, ip=ip)


def issue(
    application: CertificateApplication,
    *,
    today: date,
    actor: Any,
    ip: str | None = None,
) -> CertificateApplication:
    """Issue a certificate to every person of an approved application, valid from the
    approval date; all of them or none. A failure stays on the application for staff."""
    start = timezone.localdate(application.decided_at) if application.decided_at else today
    try:
        with transaction.atomic():
            current = _locked(application)
            if current.status != Status.APPROVED:
                return current
            insurer = Insurer.current()
            issued: list[EligibilityCertificate] = []
            rows = current.persons.select_related("member").filter(certificate__isnull=True)
            for row in rows:
                valid_from, valid_to = period_for(row.member, start)
                row.certificate = issue_certificate(
                    row.member,
                    issued_on=today,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    source=EligibilityCertificate.Source.APPLICATION,
                    actor=actor,
                    ip=ip,
                    insurer=insurer,
                    detail={"application_id": current.pk},
                )
                row.open = False
                row.save(update_fields=["certificate", "open"])
                issued.append(row.certificate)
            current.status, current.issued_at, current.issue_error = (
                Status.ISSUED,
                timezone.now(),
                "",
            )
            current.save(update_fields=["status", "issued_at", "issue_error"])
            _close(current)
            _audit("certificate_application.issued", current, actor, ip)
            transaction.on_commit(lambda: notifications.certificates_issued(current.pk))
    except EligibilityRefused as refused:
        # The error kept for staff and its audit event: one transaction, like any change.
        with transaction.atomic():
            CertificateApplication.objects.filter(pk=application.pk).update(
                issue_error=refused.message[:300]
            )
            audit.record(
                "certificate_application.issue_failed",
                actor=actor,
                ip=ip,
                target=application,
                target_label=str(application.insured),
                outcome="failure",
                detail={"application_id": application.pk, "error": refused.message[:300]},
            )
        raise ApplicationRefused([refused.message]) from None
    return current


# --- reading ---------------------------------------------------------------------------------


def open_applications_of(members: Iterable[Member]) -> dict[int, CertificateApplication]:
    rows = ApplicationPerson.objects.filter(member__in=list(members), open=True).select_related(
        "application"
    )
    return {row.member_id: row.application for row in rows}
