"""Verbs on member records. Each runs in a transaction and writes its audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from members import vault
from members.models import Member, MyNumberConflict
from members.rotation import RotationReport as RotationReport  # the rotation's old home
from members.rotation import rotate_mynumber_keys as rotate_mynumber_keys
from members.signals import notice_fields_changed
from members.validators import parse_my_number
from portal import audit
from portal.models import AuditEvent


class MyNumberHeldByAnother(Exception):
    """The keyed hash shows that another member already holds this number."""

    def __init__(self, conflict: MyNumberConflict) -> None:
        super().__init__("この個人番号は別の加入者に登録されています。")
        self.conflict = conflict


def register_my_number(
    member: Member,
    raw_number: str,
    *,
    source: str,
    verified: bool = True,
    actor: Any = None,
    ip: str | None = None,
) -> Member:
    """Store a member's My Number in the vault; refuse (and flag) one held by someone else.

    The plaintext lives only in this call's locals: the row gets the ciphertext bound to it,
    the keyed hash and the last four digits.
    """
    number = parse_my_number(raw_number)
    with transaction.atomic():
        conflict = _store_number(member, number, source, verified, actor, ip)
    if conflict is not None:
        # Raised after the commit: the flag for staff stays although the caller is refused.
        raise MyNumberHeldByAnother(conflict)
    return member


def _store_number(
    member: Member, number: str, source: str, verified: bool, actor: Any, ip: str | None
) -> MyNumberConflict | None:
    digest = vault.number_hash(number)
    holder = (
        Member.objects.select_for_update()
        .filter(mynumber_hash=digest)
        .exclude(pk=member.pk)
        .first()
    )
    if holder is not None:
        conflict = MyNumberConflict.objects.create(
            member=member, holder=holder, offered_last4=vault.last4(number), source=source
        )
        audit.record(
            "mynumber.conflict",
            actor=actor,
            ip=ip,
            target=member,
            target_label=str(member),
            outcome=AuditEvent.Outcome.DENIED,
            detail={"holder_id": holder.pk, "source": source, "conflict_id": conflict.pk},
        )
        return conflict
    previous_last4 = member.mynumber_last4
    member.mynumber_token = vault.encrypt_number(number, member_id=member.pk)
    member.mynumber_hash = digest
    member.mynumber_last4 = vault.last4(number)
    member.mynumber_status = (
        Member.NumberStatus.ON_FILE if verified else Member.NumberStatus.NEEDS_VERIFICATION
    )
    member.save(
        update_fields=[
            "mynumber_token",
            "mynumber_hash",
            "mynumber_last4",
            "mynumber_status",
            "updated_at",
        ]
    )
    audit.record(
        "mynumber.register",
        actor=actor,
        ip=ip,
        target=member,
        target_label=str(member),
        detail={
            "source": source,
            "previous_last4": previous_last4,
            "last4": member.mynumber_last4,
            "status": member.mynumber_status,
        },
    )
    if previous_last4 and previous_last4 != member.mynumber_last4:
        # The notice shows the last four digits: a corrected number means a new notice.
        notice_fields_changed.send(Member, changes={member.pk: "mynumber_correction"})
    return None
