"""Correcting a member's number from a mismatch case: a clerk proposes, a second person (a
supervisor) approves or rejects.

The full number exists in plaintext only inside propose_correction (to encrypt and hash it)
and approve_correction (to hand it to register_my_number); neither logs it. A proposal asks the
vault whether someone else holds the number, so the clerk is told only that someone does (never
who: the conflict goes to the supervisors, who see both records), and each account may propose
only so often (settings.MISMATCH_PROPOSALS_PER_ACCOUNT per MISMATCH_PROPOSAL_WINDOW_SECONDS).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from members import vault
from members.models import Member, MyNumberConflict
from members.services import MyNumberHeldByAnother, register_my_number
from notices.mismatch import casework
from notices.mismatch.casework import SOURCE, VAULT_COLUMNS, event, save
from notices.mismatch.casework import audit_case as _audit  # the name tests/test_audit scans
from notices.mismatch.errors import (
    TAKEN_BEFORE_APPROVAL,
    CheckIncomplete,
    CheckNotMatched,
    HeldByAnother,
    MismatchError,
    NotSupervisor,
    ProposalLimit,
    SameNumber,
    SelfApproval,
    StepUpRequired,
    Unreadable,
)
from notices.models import MismatchCase, MismatchEvent
from portal import audit, ratelimit
from portal.models import AuditEvent
from portal.roles import Role, roles_of

S = MismatchCase.Status
PROPOSAL_SCOPE = "mismatch-propose"
DENIED = AuditEvent.Outcome.DENIED


def propose_correction(
    case_pk: int, version: int, number: str, *, actor: Any, ip: str | None = None
) -> MismatchCase:
    """Seal the right number (already parsed and check-digit verified) for a supervisor.

    Counted first, whatever comes of it: over the limit nothing is looked up or changed.
    Refused, and flagged for the supervisors, when the keyed hash shows another member holds it.
    """
    _count_proposal(case_pk, actor, ip)
    conflict: MyNumberConflict | None = None
    with transaction.atomic():
        case = casework.locked(case_pk, version, (S.INVESTIGATING,))
        if not case.check_recorded:
            raise CheckIncomplete()
        if not case.all_matched:
            raise CheckNotMatched()
        member = Member.objects.select_for_update().get(pk=case.member_id)
        digest = vault.number_hash(number)
        if member.mynumber_hash == digest:
            raise SameNumber()
        holder = Member.objects.filter(mynumber_hash=digest).exclude(pk=member.pk).first()
        last4 = vault.last4(number)
        if holder is not None:
            conflict = _flag_conflict(case, holder, last4, actor, ip)
        else:
            case.proposed_token = vault.encrypt_number(number, member_id=member.pk)
            case.proposed_last4, case.status = last4, S.PENDING_APPROVAL
            case.proposed_by, case.proposed_at, case.rejection_reason = actor, timezone.now(), ""
            save(
                case,
                "proposed_token",
                "proposed_last4",
                "status",
                "proposed_by",
                "proposed_at",
                "rejection_reason",
            )
            event(case, MismatchEvent.Kind.PROPOSED, actor, f"訂正後の下4桁 {last4}")
            _audit("mismatch.propose", case, actor, ip, proposed_last4=last4)
    if conflict is not None:
        # Raised after the commit: the flag stays although the proposal is refused.
        raise HeldByAnother()
    return case


def _count_proposal(case_pk: int, actor: Any, ip: str | None) -> None:
    """One slot of the account's proposals (atomic: parallel posts cannot all slip under)."""
    limit = settings.MISMATCH_PROPOSALS_PER_ACCOUNT
    window = settings.MISMATCH_PROPOSAL_WINDOW_SECONDS
    if ratelimit.attempt(PROPOSAL_SCOPE, str(actor.pk), limit=limit, window=window):
        return
    case = MismatchCase.objects.select_related("member").defer(*VAULT_COLUMNS).get(pk=case_pk)
    _audit(
        "mismatch.propose",
        case,
        actor,
        ip,
        outcome=DENIED,
        refused="ProposalLimit",
        limit=limit,
        window_seconds=window,
    )
    raise ProposalLimit(limit, window)


def _flag_conflict(
    case: MismatchCase, holder: Member, last4: str, actor: Any, ip: str | None
) -> MyNumberConflict:
    """The conflict for the supervisors. The holder is named only where they read: the
    conflict row and the audit detail (auditors); the case's timeline, which the clerk reads,
    says no more than the refusal did."""
    conflict = MyNumberConflict.objects.create(
        member=case.member, holder=holder, offered_last4=last4, source=SOURCE
    )
    audit.record(
        "mynumber.conflict",
        actor=actor,
        ip=ip,
        target=case.member,
        target_label=str(case.member),
        outcome=DENIED,
        detail={"holder_id": holder.pk, "source": SOURCE, "conflict_id": conflict.pk},
    )
    event(case, MismatchEvent.Kind.PROPOSAL_REFUSED, actor, f"提案された下4桁 {last4}")
    _audit(
        "mismatch.propose",
        case,
        actor,
        ip,
        outcome=DENIED,
        refused="HeldByAnother",
        conflict_id=conflict.pk,
    )
    return conflict


def _check_approver(case: MismatchCase, actor: Any) -> None:
    if Role.SUPERVISOR not in roles_of(actor):
        raise NotSupervisor()
    if case.proposed_by_id == actor.pk:
        raise SelfApproval()


def refuse_approval(
    case: MismatchCase, error: MismatchError, *, actor: Any, ip: str | None
) -> None:
    """A refused approval attempt is on the record too."""
    _audit("mismatch.approve", case, actor, ip, outcome=DENIED, refused=type(error).__name__)


def approve_correction(
    case_pk: int, version: int, *, actor: Any, ip: str | None, stepped_up: bool
) -> MismatchCase:
    """The second person's approval: the one place the proposed number is decrypted, to go
    through register_my_number (vault, status verified, new notice via its signal).
    `stepped_up`: the view found the actor's password re-entered (portal.stepup)."""
    refused: MismatchError | None = None
    with transaction.atomic():
        case = casework.locked(case_pk, version, (S.PENDING_APPROVAL,))
        _check_approver(case, actor)
        if not stepped_up:
            raise StepUpRequired()
        member = Member.objects.get(pk=case.member_id)
        last4 = case.proposed_last4
        try:
            register_my_number(
                member,
                vault.decrypt_number(case.proposed_token, member_id=member.pk),
                source=SOURCE,
                verified=True,
                actor=actor,
                ip=ip,
            )
        except MyNumberHeldByAnother:
            # Someone got this number since the proposal: the flag is recorded.
            refused = HeldByAnother(TAKEN_BEFORE_APPROVAL)
        except vault.VaultDecryptError:
            # Sealed under a key since retired, or tampered with: fail closed, ask again.
            refused = Unreadable()
        if refused is not None:
            _clear_proposal(case, S.INVESTIGATING)
            event(case, MismatchEvent.Kind.APPROVAL_REFUSED, actor, refused.message)
            _audit(
                "mismatch.approve",
                case,
                actor,
                ip,
                outcome=DENIED,
                refused=type(refused).__name__,
                proposed_last4=last4,
            )
        else:
            case.closed_by, case.closed_at = actor, timezone.now()
            case.resolution_reason = "マイナンバーを訂正しました。"
            # The last four stay on the closed case for the record; the ciphertext goes.
            case.status, case.proposed_token = S.CORRECTED, ""
            save(case, "status", "proposed_token", "closed_by", "closed_at", "resolution_reason")
            event(case, MismatchEvent.Kind.APPROVED, actor, f"訂正後の下4桁 {last4}")
            _audit("mismatch.approve", case, actor, ip, last4=last4)
            transaction.on_commit(lambda: casework.notify_closed(case.pk))
    if refused is not None:
        # Raised after the commit: the case is back with the clerk, the flag stays.
        raise refused
    return case


def _clear_proposal(case: MismatchCase, status: str, *fields: str) -> None:
    case.status, case.proposed_token, case.proposed_last4 = status, "", ""
    save(case, "status", "proposed_token", "proposed_last4", *fields)


def reject_correction(
    case_pk: int, version: int, reason: str, *, actor: Any, ip: str | None = None
) -> MismatchCase:
    """Back to the clerk with a reason; the sealed number is wiped."""
    with transaction.atomic():
        case = casework.locked(case_pk, version, (S.PENDING_APPROVAL,))
        _check_approver(case, actor)
        last4 = case.proposed_last4
        case.rejection_reason = reason
        _clear_proposal(case, S.INVESTIGATING, "rejection_reason")
        event(case, MismatchEvent.Kind.REJECTED, actor, reason)
        _audit("mismatch.reject", case, actor, ip, proposed_last4=last4)
    return case
