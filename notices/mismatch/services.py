"""Mismatch cases: a member reports that a notice's last four digits differ from their card; the
業務課 checks five items, closes the case or proposes a correction; a second person approves.

Every verb locks the case row and compares the version the caller saw (optimistic locking: the
slower of two staff is refused and told, and nothing is half-done), writes the case's timeline
and an audit event. The full number exists in plaintext only inside propose_correction (to
encrypt and hash it) and approve_correction (to hand it to register_my_number); neither logs it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from members import vault
from members.models import Member, MyNumberConflict
from members.services import MyNumberHeldByAnother, register_my_number
from notices.models import MismatchCase, MismatchEvent
from portal import audit
from portal.models import AuditEvent, Insurer
from portal.roles import Role, roles_of

S = MismatchCase.Status
S_OPEN = MismatchCase.OPEN_STATUSES
SOURCE = "mismatch_correction"


class MismatchError(Exception):
    """Refused; `message` is shown to the person as is (never holds a number)."""

    message = "この操作はできません。"

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class StaleCase(MismatchError):
    message = (
        "他の担当者がこの申出を先に更新しました。最新の内容を確認してから、もう一度操作して"
        "ください(入力した内容は残してあります)。"
    )


class WrongState(MismatchError):
    message = "この申出は現在の状態ではこの操作ができません。最新の内容を確認してください。"


class CaseAlreadyOpen(MismatchError):
    message = "この方については受付中の申出があります。結果をお待ちください。"


class CheckIncomplete(MismatchError):
    message = "先に5項目(漢字氏名・カナ氏名・生年月日・性別・住所)の照合結果を記録してください。"


class CheckNotMatched(MismatchError):
    message = "5項目がすべて一致していないため、番号の訂正はできません。"


class SameNumber(MismatchError):
    message = "入力された番号は現在登録されている番号と同じです。訂正の必要はありません。"


class HeldByAnother(MismatchError):
    message = (
        "この番号は別の加入者に登録されています。訂正できません。両方の記録にマイナンバー重複の"
        "フラグを立て、承認者が確認できるようにしました。"
    )


class Unreadable(MismatchError):
    message = (
        "提案された番号を復号できませんでした(暗号鍵の更新など)。申出を担当者に戻しました。"
        "もう一度提案してください。"
    )


class SelfApproval(MismatchError):
    message = "ご自身が提案した訂正は承認・差し戻しできません。別の承認者に依頼してください。"


class NotSupervisor(MismatchError):
    message = "訂正の承認・差し戻しは承認者のみが行えます。"


class StepUpRequired(MismatchError):
    message = "承認の前にパスワードを再入力してください(本人確認のため)。"


def _event(case: MismatchCase, kind: str, actor: Any, note: str = "") -> None:
    label = getattr(actor, "email", "") or ""
    MismatchEvent.objects.create(case=case, kind=kind, actor=actor, actor_label=label, note=note)


def _audit(action: str, case: MismatchCase, actor: Any, ip: str | None, **detail: Any) -> None:
    outcome = detail.pop("outcome", AuditEvent.Outcome.SUCCESS)
    audit.record(
        action,
        actor=actor,
        ip=ip,
        target=case.member,
        target_label=str(case.member),
        outcome=outcome,
        detail={"case_id": case.pk, "status": case.status, **detail},
    )


def _locked(case_pk: int, version: int, allowed: tuple[str, ...]) -> MismatchCase:
    case = (
        MismatchCase.objects.select_for_update(of=("self",))
        .select_related("member")
        .get(pk=case_pk)
    )
    if case.version != version:
        raise StaleCase()
    if case.status not in allowed:
        raise WrongState()
    return case


def _save(case: MismatchCase, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


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
            _event(case, MismatchEvent.Kind.REPORTED, actor)
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
        case = _locked(case_pk, version, (S.RECEIVED, S.INVESTIGATING))
        for name in MismatchCase.CHECK_FIELDS:
            setattr(case, name, bool(results[name]))
        case.checked_by, case.checked_at, case.status = actor, timezone.now(), S.INVESTIGATING
        _save(case, *MismatchCase.CHECK_FIELDS, "checked_by", "checked_at", "status")
        summary = "、".join(f"{label}: {'一致' if ok else '不一致'}" for label, ok in case.checks)
        _event(case, MismatchEvent.Kind.CHECKED, actor, summary)
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
        case = _locked(case_pk, version, (S.RECEIVED, S.INVESTIGATING))
        if not case.check_recorded:
            raise CheckIncomplete()
        case.status, case.resolution_reason = S.NO_ERROR, reason
        case.closed_by, case.closed_at = actor, timezone.now()
        _save(case, "status", "resolution_reason", "closed_by", "closed_at")
        _event(case, MismatchEvent.Kind.CLOSED_NO_ERROR, actor, reason)
        _audit("mismatch.close", case, actor, ip)
        transaction.on_commit(lambda: notify_closed(case.pk))
    return case


def propose_correction(
    case_pk: int, version: int, number: str, *, actor: Any, ip: str | None = None
) -> MismatchCase:
    """Seal the right number (already parsed and check-digit verified) for a supervisor.

    Refused, and flagged on both records, when the keyed hash shows another member holds it.
    """
    conflict: MyNumberConflict | None = None
    with transaction.atomic():
        case = _locked(case_pk, version, (S.INVESTIGATING,))
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
            _save(
                case,
                "proposed_token",
                "proposed_last4",
                "status",
                "proposed_by",
                "proposed_at",
                "rejection_reason",
            )
            _event(case, MismatchEvent.Kind.PROPOSED, actor, f"訂正後の下4桁 {last4}")
            _audit("mismatch.propose", case, actor, ip, proposed_last4=last4)
    if conflict is not None:
        # Raised after the commit: the flag stays although the proposal is refused.
        raise HeldByAnother()
    return case


def _flag_conflict(
    case: MismatchCase, holder: Member, last4: str, actor: Any, ip: str | None
) -> MyNumberConflict:
    conflict = MyNumberConflict.objects.create(
        member=case.member, holder=holder, offered_last4=last4, source=SOURCE
    )
    audit.record(
        "mynumber.conflict",
        actor=actor,
        ip=ip,
        target=case.member,
        target_label=str(case.member),
        outcome=AuditEvent.Outcome.DENIED,
        detail={"holder_id": holder.pk, "source": SOURCE, "conflict_id": conflict.pk},
    )
    _event(case, MismatchEvent.Kind.PROPOSAL_REFUSED, actor, f"提案された下4桁 {last4}")
    _audit(
        "mismatch.propose",
        case,
        actor,
        ip,
        outcome=AuditEvent.Outcome.DENIED,
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
    _audit(
        "mismatch.approve",
        case,
        actor,
        ip,
        outcome=AuditEvent.Outcome.DENIED,
        refused=type(error).__name__,
    )


def approve_correction(
    case_pk: int, version: int, *, actor: Any, ip: str | None, stepped_up: bool
) -> MismatchCase:
    """The second person's approval: the one place the proposed number is decrypted, to go
    through register_my_number (vault, status verified, new notice via its signal).
    `stepped_up`: the view found the actor's password re-entered (portal.stepup)."""
    refused: MismatchError | None = None
    with transaction.atomic():
        case = _locked(case_pk, version, (S.PENDING_APPROVAL,))
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
            refused = HeldByAnother()
        except vault.VaultDecryptError:
            # Sealed under a key since retired, or tampered with: fail closed, ask again.
            refused = Unreadable()
        if refused is not None:
            _clear_proposal(case, S.INVESTIGATING)
            _event(case, MismatchEvent.Kind.APPROVAL_REFUSED, actor, refused.message)
            _audit(
                "mismatch.approve",
                case,
                actor,
                ip,
                outcome=AuditEvent.Outcome.DENIED,
                refused=type(refused).__name__,
                proposed_last4=last4,
            )
        else:
            case.closed_by, case.closed_at = actor, timezone.now()
            case.resolution_reason = "マイナンバーを訂正しました。"
            # The last four stay on the closed case for the record; the ciphertext goes.
            case.status, case.proposed_token = S.CORRECTED, ""
            _save(case, "status", "proposed_token", "closed_by", "closed_at", "resolution_reason")
            _event(case, MismatchEvent.Kind.APPROVED, actor, f"訂正後の下4桁 {last4}")
            _audit("mismatch.approve", case, actor, ip, last4=last4)
            transaction.on_commit(lambda: notify_closed(case.pk))
    if refused is not None:
        # Raised after the commit: the case is back with the clerk, the flag stays.
        raise refused
    return case


def _clear_proposal(case: MismatchCase, status: str, *fields: str) -> None:
    case.status, case.proposed_token, case.proposed_last4 = status, "", ""
    _save(case, "status", "proposed_token", "proposed_last4", *fields)


def reject_correction(
    case_pk: int, version: int, reason: str, *, actor: Any, ip: str | None = None
) -> MismatchCase:
    """Back to the clerk with a reason; the sealed number is wiped."""
    with transaction.atomic():
        case = _locked(case_pk, version, (S.PENDING_APPROVAL,))
        _check_approver(case, actor)
        last4 = case.proposed_last4
        case.rejection_reason = reason
        _clear_proposal(case, S.INVESTIGATING, "rejection_reason")
        _event(case, MismatchEvent.Kind.REJECTED, actor, reason)
        _audit("mismatch.reject", case, actor, ip, proposed_last4=last4)
    return case


def notify_closed(case_pk: int) -> bool:
    """One e-mail to the insured person: their name and a pointer to the portal, nothing else."""
    case = MismatchCase.objects.select_related(
        "member__insured__account", "member__account", "reported_by"
    ).get(pk=case_pk)
    head = case.member.insured or case.member
    account = head.account or case.reported_by
    if account is None or not account.email:
        return False
    context = {"name": head.name, "insurer": Insurer.current(), "url": settings.PORTAL_BASE_URL}
    EmailMessage(
        subject=render_to_string("notices/mismatch/email/closed_subject.txt", context).strip(),
        body=render_to_string("notices/mismatch/email/closed.txt", context),
        to=[account.email],
    ).send()
    return True
