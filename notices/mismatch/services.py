"""Mismatch cases: a member reports that a notice's last four digits differ from their card; the
業務課 checks five items, closes the case or proposes a correction; a second person approves.

Every verb locks the case row and compares the version the caller saw (optimistic locking: the
slower of two staff is refused and told, and nothing is half-done), writes the case's timeline
and an audit event. The shared steps are in casework, the refusals in errors, the correction
(propose, approve, reject) in corrections; all are importable from here, as callers did before.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from notices.mismatch import casework
from notices.mismatch.casework import SOURCE, event, notify_closed, save
from notices.mismatch.casework import audit_case as _audit  # the name tests/test_audit scans
from notices.mismatch.corrections import (
    approve_correction,
    propose_correction,
    refuse_approval,
    reject_correction,
)
from notices.mismatch.errors import (
    CaseAlreadyOpen,
    CheckIncomplete,
    CheckNotMatched,
    HeldByAnother,
    MismatchError,
    NotSupervisor,
    ProposalLimit,
    SameNumber,
    SelfApproval,
    StaleCase,
    StepUpRequired,
    Unreadable,
    WrongState,
)
from notices.models import MismatchCase, MismatchEvent

__all__ = [
    "SOURCE",
    "CaseAlreadyOpen",
    "CheckIncomplete",
    "CheckNotMatched",
    "HeldByAnother",
    "MismatchError",
    "NotSupervisor",
    "ProposalLimit",
    "SameNumber",
    "SelfApproval",
    "StaleCase",
    "StepUpRequired",
    "Unreadable",
    "WrongState",
    "approve_correction",
    "close_no_error",
    "notify_closed",
    "propose_correction",
    "record_check",
    "refuse_approval",
    "reject_correction",
    "report_mismatch",
]

S = MismatchCase.Status
S_OPEN = MismatchCase.OPEN_STATUSES


def report_mismatch(
    notice: Any,
    *,
    reported_last4: str,
    contact: str,
    comment: str,
    actor: Any,
    ip: str | None = None,
) -> MismatchCase:
    """The insured person's report for one household member, from a notice showing digits."""
    member = notice.member
    try:
        with transaction.atomic():
            if MismatchCase.objects.filter(member=member, status__in=S_OPEN).exists():
                raise CaseAlreadyOpen()
            case = MismatchCase.objects.create(
                member=member,
                notice=notice,
                reported_by=actor,
                registered_last4=notice.snapshot["last4"],
                reported_last4=reported_last4,
                contact=contact,
                comment=comment,
            )
            event(case, MismatchEvent.Kind.REPORTED, actor)
            _audit(
                "mismatch.report",
                case,
                actor,
                ip,
                notice_id=notice.pk,
                registered_last4=case.registered_last4,
                reported_last4=reported_last4,
            )
    except IntegrityError:
        # Two reports for one person at the same moment: the unique constraint keeps one.
        raise CaseAlreadyOpen() from None
    return case


def record_check(
    case_pk: int, version: int, results: dict[str, bool], *, actor: Any, ip: str | None = None
) -> MismatchCase:
    """The five-item check against the national register; moves the case to 調査中."""
    with transaction.atomic():
        case = casework.locked(case_pk, version, (S.RECEIVED, S.INVESTIGATING))
        for name in MismatchCase.CHECK_FIELDS:
            setattr(case, name, bool(results[name]))
        case.checked_by, case.checked_at, case.status = actor, timezone.now(), S.INVESTIGATING
        save(case, *MismatchCase.CHECK_FIELDS, "checked_by", "checked_at", "status")
        summary = "、".join(f"{label}: {'一致' if ok else '不一致'}" for label, ok in case.checks)
        event(case, MismatchEvent.Kind.CHECKED, actor, summary)
        _audit(
            "mismatch.check",
            case,
            actor,
            ip,
            checks={name: getattr(case, name) for name in MismatchCase.CHECK_FIELDS},
        )
    return case


def close_no_error(
    case_pk: int, version: int, reason: str, *, actor: Any, ip: str | None = None
) -> MismatchCase:
    """理由付き疑いなし: the number on file is right; the reason says why."""
    with transaction.atomic():
        case = casework.locked(case_pk, version, (S.RECEIVED, S.INVESTIGATING))
        if not case.check_recorded:
            raise CheckIncomplete()
        case.status, case.resolution_reason = S.NO_ERROR, reason
        case.closed_by, case.closed_at = actor, timezone.now()
        save(case, "status", "resolution_reason", "closed_by", "closed_at")
        event(case, MismatchEvent.Kind.CLOSED_NO_ERROR, actor, reason)
        _audit("mismatch.close", case, actor, ip)
        transaction.on_commit(lambda: notify_closed(case.pk))
    return case
