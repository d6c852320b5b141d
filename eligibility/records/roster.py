"""The roster's マイナ保険証 column applied to MynaRegistration, batch by batch.

RosterRegistrations is a handler of members.roster.hooks, registered by EligibilityConfig.ready():
the member writer calls it inside the import's transaction. One query per batch reads the
batch's registrations, bulk statements write the changes, one INSERT writes their audit events.
What a cell means:
  有   registered. Kept as it is if already registered; otherwise registered as of the import
       day, marked estimated (the roster gives no date: registered by that day at the latest).
  無   not registered (any dates dropped; card facts kept).
  解除 cancelled. Kept as it is if already cancelled; otherwise applied for on the import day,
       marked estimated, and a registration on record keeps its date.
  empty  nothing is said: the record is left as it is.
So a file imported twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from eligibility.models import MynaRegistration
from members.models import Member
from members.roster import hooks
from members.roster.parse import MemberRow
from portal import audit
from portal.models import AuditEvent

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
    """Registrations of one import run: load() per batch, stage() per row, write() per batch.

    A members.roster.hooks.MemberRowHandler; the class itself is the factory registered."""

    def __init__(self, context: hooks.ImportContext) -> None:
        self.day = context.day
        self.actor = context.actor
        self.ip = context.ip
        self.current: dict[int, MynaRegistration] = {}
        self.staged: list[_Staged] = []

    def load(self, members: Collection[Member]) -> None:
        ids = [member.pk for member in members]
        self.current = {r.member_id: r for r in MynaRegistration.objects.filter(member_id__in=ids)}

    def stage(self, member: Member, row: MemberRow) -> bool:
        """Remember the change the row's マイナ保険証 cell makes (written by write()); False if
        it makes none.

        A member not yet saved has no pk: its pk is read at write() time.
        """
        current = self.current.get(member.pk) if member.pk else None
        values = roster_change(current, row.myna_registration, self.day)
        if values is None:
            return False
        previous = current.status if current else None
        self.staged.append(_Staged(member, current, values, previous))
        return True

    def write(self) -> None:
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
        audit.write(self._events(staged))

    def _events(self, staged: list[_Staged]) -> list[AuditEvent]:
        # Checked by audit.event like any other, written in one INSERT; no number in them.
        return [
            audit.event(
                "eligibility.registration_import",
                actor=self.actor,
                ip=self.ip,
                target=item.member,
                target_label=str(item.member),
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
