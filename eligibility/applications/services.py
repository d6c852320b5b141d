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
from eligibility.applications.checks import REASON_DETAIL_MAX as REASON_DETAIL_MAX
from eligibility.applications.checks import candidates as candidates
from eligibility.applications.checks import check_reason, household_key, issue_problem, refusals
from eligibility.certificates.services import issue_certificate, period_for
from eligibility.models import (
    ApplicationPerson,
    CertificateApplication,
    EligibilityCertificate,
)
from eligibility.records.services import EligibilityRefused
from members.models import Employer, Member
from portal import audit
from portal.models import Insurer

Status = CertificateApplication.Status
Reason = CertificateApplication.Reason
RETURN_REASON_MAX = 500


class ApplicationRefused(Exception):
    """Why nothing was done, one message per problem (Japanese, shown as is)."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


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
    assisted = reason in CertificateApplication.ASSISTANCE
    found = refusals(people, applied_on, needs_assistance=assisted)
    messages = [found[p.pk] for p in people if found[p.pk]]
    if messages:
        raise ApplicationRefused(messages)
    head = people[0].insured if people[0].insured_id else people[0]
    application = CertificateApplication.objects.create(
        employer=employer,
        insured=head,
        applied_on=applied_on,
        reason=reason,
        reason_detail=reason_detail.strip() if reason in CertificateApplication.DETAILED else "",
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
            people = [row.member for row in current.persons.select_related("member__insured")]
            assisted = current.needs_assistance
            found = refusals(people, today, ignore=current, needs_assistance=assisted)
            problems = [found[p.pk] for p in people if found[p.pk]]
            problems += [
                problem
                for p in people
                if (problem := issue_problem(p, today, needs_assistance=assisted))
            ]
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
            rows = current.persons.select_related("member__insured").filter(
                certificate__isnull=True
            )
            assisted = current.needs_assistance
            for row in rows:
                valid_from, valid_to = period_for(row.member, start, needs_assistance=assisted)
                row.certificate = issue_certificate(
                    row.member,
                    issued_on=today,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    source=EligibilityCertificate.Source.APPLICATION,
                    actor=actor,
                    ip=ip,
                    insurer=insurer,
                    needs_assistance=assisted,
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
