"""Rotating the hash key (`manage.py rotate_mynumber_hmac_key`): every stored number's keyed
hash (Member.mynumber_hash, the one column that keeps a number to one person, and the only hash
of a number the portal stores) recomputed under MYNUMBER_HMAC_KEY_NEXT, decrypting each number
with the vault's keys.

One transaction, so the unique column is never computed under two keys: it locks the hash key's
check value (FOR UPDATE), which every transaction that hashes reads FOR SHARE first
(portal.keys.core.ensure), so no number is hashed under either key while it runs; it recomputes
everything, refuses (writing nothing) when two members would end up with the same hash or a
number cannot be decrypted, then writes the changed hashes and the new key's check value. From
that commit on, processes still configured with the old key refuse to hash until they are given
the new one. A failed run changed nothing and can simply run again; a finished one is recognised
(the record already holds the new key) and does nothing.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from members import vault
from members.models import Member
from portal import audit
from portal.keys import core as keys
from portal.models import AuditEvent

SETTING = "MYNUMBER_HMAC_KEY"
_SHOWN = 20  # member ids named in a refusal, at most


class HashRotationRefused(Exception):
    """Nothing was written; `message` says why (member ids only, never a number)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class HashRotationReport:
    total: int
    rehashed: int
    already_done: bool = False

    @property
    def unchanged(self) -> int:
        return self.total - self.rehashed


def rotate_mynumber_hmac_key(new_key: bytes, *, chunk_size: int = 1000) -> HashRotationReport:
    current = vault.hmac_key()
    if hmac.compare_digest(new_key, current):
        raise HashRotationRefused(
            "MYNUMBER_HMAC_KEY_NEXT is the key already configured as MYNUMBER_HMAC_KEY."
        )
    ring = vault.keyring()
    try:
        with transaction.atomic():
            record = keys.lock_record(SETTING)
            if record is not None and hmac.compare_digest(
                record.check_value, keys.check_value(SETTING, new_key)
            ):
                return HashRotationReport(total=0, rehashed=0, already_done=True)
            if record is None or not hmac.compare_digest(
                record.check_value, keys.check_value(SETTING, current)
            ):
                raise HashRotationRefused(
                    "MYNUMBER_HMAC_KEY does not match its recorded check value: run "
                    "`manage.py check` and fix the key before rotating it."
                )
            total, updates = _recomputed(new_key, ring, chunk_size)
            Member.objects.bulk_update(updates, ["mynumber_hash"], batch_size=chunk_size)
            keys.record_current(SETTING, "", new_key)
            rehashed = len(updates)
            audit.record(
                "mynumber.hmac_rotate",
                detail={"total": total, "rehashed": rehashed, "unchanged": total - rehashed},
            )
    except HashRotationRefused as refused:
        audit.record(
            "mynumber.hmac_rotate",
            outcome=AuditEvent.Outcome.DENIED,
            detail={"refused": refused.message},
        )
        raise
    keys.invalidate()
    return HashRotationReport(total=total, rehashed=len(updates))


def _recomputed(new_key: bytes, ring: vault.Keyring, chunk_size: int) -> tuple[int, list[Member]]:
    """(members with a number, the ones whose hash changes); refuses on any doubt."""
    rows = (
        Member.objects.filter(Q(mynumber_hash__isnull=False) | ~Q(mynumber_token=""))
        .order_by("pk")
        .values_list("pk", "mynumber_token", "mynumber_hash")
    )
    holders: dict[str, int] = {}
    updates: list[Member] = []
    unreadable: list[int] = []
    collisions: list[tuple[int, int]] = []
    total = 0
    for member_id, token, stored in rows.iterator(chunk_size=chunk_size):
        total += 1
        try:
            number = vault.decrypt_number(token, member_id=member_id, ring=ring)
        except vault.VaultDecryptError:
            unreadable.append(member_id)
            continue
        digest = vault.number_hash(number, key=new_key)
        holder = holders.setdefault(digest, member_id)
        if holder != member_id:
            collisions.append((holder, member_id))
        if digest != stored:
            updates.append(Member(pk=member_id, mynumber_hash=digest))
    if unreadable:
        raise HashRotationRefused(
            f"{len(unreadable)} member(s) have a hash but no number that opens with "
            f"MYNUMBER_KEYS (member ids {sorted(unreadable)[:_SHOWN]}): fix or clear those "
            "records first; nothing was changed."
        )
    if collisions:
        pairs = ", ".join(f"{a}/{b}" for a, b in sorted(collisions)[:_SHOWN])
        raise HashRotationRefused(
            f"{len(collisions)} pair(s) of members hold the same number (member ids {pairs}): "
            "hashes made under two keys let them through. Resolve the duplicates first; "
            "nothing was changed."
        )
    return total, updates
