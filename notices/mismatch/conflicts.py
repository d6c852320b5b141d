"""Open My Number conflicts (a number offered for one member that another already holds), as
each staff role may see them, and the supervisor's verb that closes one.

Who holds a number is for the supervisors: they see both records and resolve the conflict. A
clerk sees only that the number offered for a member is held by someone else (finding 4: a
clerk must not be able to learn who holds any number by typing it), so for a clerk the holder
is neither loaded nor handed to a template, and a member's page shows a clerk only the
conflicts where the number was offered for that member, never those where they hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members.models import Member, MyNumberConflict, vault_columns
from portal import audit
from portal.roles import Role, roles_of

SOURCE_LABELS = {
    "mismatch_correction": "下4桁相違の訂正",
    "roster": "名簿の取込",
    "staff": "業務課の登録",
}


class ConflictError(Exception):
    message = "この重複は既に確認済みです。"


@dataclass(frozen=True)
class ConflictRow:
    """One conflict as a page shows it; `holder` is None for a viewer who may not know it."""

    pk: int
    created_at: datetime
    member: Member
    offered_last4: str
    source: str
    holder: Member | None

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)


def sees_holders(user: Any) -> bool:
    return Role.SUPERVISOR in roles_of(user)


def open_conflicts(
    user: Any, *, about: Member | int | None = None, limit: int | None = None
) -> list[ConflictRow]:
    """The open conflicts `user` may see, newest first: all of them, or those about one member."""
    full = sees_holders(user)
    conflicts = MyNumberConflict.objects.filter(resolved_at__isnull=True)
    if about is not None:
        if full:
            conflicts = conflicts.filter(Q(member=about) | Q(holder=about))
        else:
            conflicts = conflicts.filter(member=about)
    relations = ("member", "holder") if full else ("member",)
    conflicts = (
        conflicts.select_related(*relations)
        .defer(*vault_columns(*relations))
        .order_by("-created_at", "-pk")
    )
    if limit is not None:
        conflicts = conflicts[:limit]
    return [
        ConflictRow(
            pk=conflict.pk,
            created_at=conflict.created_at,
            member=conflict.member,
            offered_last4=conflict.offered_last4,
            source=conflict.source,
            holder=conflict.holder if full else None,
        )
        for conflict in conflicts
    ]


def resolve_conflict(conflict_pk: int, *, actor: Any, ip: str | None = None) -> MyNumberConflict:
    """A supervisor has looked at both records and settled it (a correction of either number
    goes its own audited way); the conflict leaves the open lists."""
    if not sees_holders(actor):
        raise ConflictError("マイナンバー重複の確認は承認者のみが行えます。")
    with transaction.atomic():
        conflict = (
            MyNumberConflict.objects.select_for_update(of=("self",))
            .select_related("member")
            .defer(*vault_columns("member"))
            .get(pk=conflict_pk)
        )
        if conflict.resolved_at is not None:
            raise ConflictError()
        conflict.resolved_at = timezone.now()
        conflict.save(update_fields=["resolved_at"])
        audit.record(
            "mismatch.conflict_resolve",
            actor=actor,
            ip=ip,
            target=conflict.member,
            target_label=str(conflict.member),
            detail={
                "conflict_id": conflict.pk,
                "holder_id": conflict.holder_id,
                "source": conflict.source,
            },
        )
    return conflict
