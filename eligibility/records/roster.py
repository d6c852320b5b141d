"""The roster's マイナ保険証 column applied to MynaRegistration, batch by batch.

members.roster_writers calls this inside the import's transaction: one query per batch reads
the batch's registrations, bulk statements write the changes, one INSERT writes their audit
events. What a cell means:
  有   registered. Kept as it is if already registered; otherwise registered as of the import
       day, marked estimated (the roster gives no date: registered by that day at the latest).
  無   not registered (any dates dropped; card facts kept).
  解除 cancelled. Kept as it is if already cancelled; otherwise applied for on the import day,
       marked estimated, and a registration on record keeps its date.
  empty  nothing is said: the record is left as it is.
So a file imported twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from eligibility.models import MynaRegistration
from members.models import Member
from portal import audit
from portal.audit import client_ip
from portal.models import AuditEvent
from portal.roles import primary_role

audit.register("eligibility.registration_import", "マイナ保険証の利用登録の変更(名簿取込)")

Status = MynaRegistration.Status
WRITTEN_FIELDS = (
    "status",
    "registered_on",
    "registered_on_estimated",
    "cancellation_applied_on",
    "cancellation_estimated",
    "source",
    "updated_at",
)


def roster_change(
    current: MynaRegistration | None, stated: str, day: date
) -> dict[str, Any] | None:
    """The fields to write for what a roster row states, or None when nothing changes."""
    if not stated or (current is not None and current.status == stated):
        return None
    if stated == Status.NOT_REGISTERED:
        return {
            "status": Status.NOT_REGISTERED,
            "registered_on": None,
            "registered_on_estimated": False,
            "cancellation_applied_on": None,
            "cancellation_estimated": False,
        }
    if stated == Status.REGISTERED:
        return {
            "status": Status.REGISTERED,
            "registered_on": day,
            "registered_on_estimated": True,
            "cancellation_applied_on": None,
            "cancellation_estimated": False,
        }
    keep = current is not None and current.status == Status.REGISTERED
    registered_on = min(current.registered_on, day) if keep else day
    return {
        "status": Status.CANCELLED,
        "registered_on": registered_on,
        "registered_on_estimated": current.registered_on_estimated if keep else True,
        "cancellation_applied_on": day,
        "cancellation_estimated": True,
    }


@dataclass(frozen=True)
class _Staged:
    member: Member  # may have no pk yet: read at write() time
    current: MynaRegistration | None
    values: dict[str, Any]
    previous: str | None  # the status before, for the audit event


class RosterRegistrations:
    """Registrations of one import run: load() per batch, stage() per row, write() per batch."""

    def __init__(self, *, day: date, actor: Any, request: Any) -> None:
        self.day = day
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.request = request
        self.current: dict[int, MynaRegistration] = {}
        self.staged: list[_Staged] = []

    def load(self, members: Iterable[Member]) -> None:
        ids = [member.pk for member in members]
        self.current = {r.member_id: r for r in MynaRegistration.objects.filter(member_id__in=ids)}

    def stage(self, member: Member, stated: str) -> bool:
        """Remember the change a row makes (written by write()); False if it makes none.

        A member not yet saved has no pk: its pk is read at write() time.
        """
        current = self.current.get(member.pk) if member.pk else None
        values = roster_change(current, stated, self.day)
        if values is None:
            return False
        previous = current.status if current else None
        self.staged.append(_Staged(member, current, values, previous))
        return True

    def write(self) -> int:
        staged, self.staged = self.staged, []
        now = timezone.now()
        new, changed = [], []
        for item in staged:
            record = item.current or MynaRegistration(member_id=item.member.pk)
            for name, value in item.values.items():
                setattr(record, name, value)
            record.source = MynaRegistration.Source.ROSTER
            record.updated_at = now
            (changed if item.current else new).append(record)
        MynaRegistration.objects.bulk_create(new)
        MynaRegistration.objects.bulk_update(changed, WRITTEN_FIELDS)
        AuditEvent.objects.bulk_create(self._events(staged))
        return len(staged)

    def _events(self, staged: list[_Staged]) -> list[AuditEvent]:
        # As audit.record would write them, in one INSERT; the details hold no number.
        role = primary_role(self.actor) if self.actor is not None else None
        return [
            AuditEvent(
                actor=self.actor,
                actor_label=getattr(self.actor, "email", "") or "",
                actor_role=role.value if role else "",
                action="eligibility.registration_import",
                target_type=Member._meta.label,
                target_id=str(item.member.pk),
                target_label=str(item.member),
                ip_address=client_ip(self.request),
                outcome=AuditEvent.Outcome.SUCCESS,
                detail={
                    "source": "roster_import",
                    "previous": item.previous,
                    "status": item.values["status"],
                    "registered_on": _iso(item.values["registered_on"]),
                    "cancellation_applied_on": _iso(item.values["cancellation_applied_on"]),
                    "estimated": item.values["registered_on_estimated"]
                    or item.values["cancellation_estimated"],
                },
            )
            for item in staged
        ]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
