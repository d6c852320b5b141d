"""Rotating the vault's encryption key (`manage.py rotate_mynumber_keys`): every value sealed
under an older MYNUMBER_KEYS key, in every registered column (members.sealed: the members'
numbers, the corrections waiting for a supervisor), re-encrypted under the current key."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from members import sealed, vault
from members.keys import GROUP
from portal import audit
from portal.keys import core as keys


@dataclass(frozen=True)
class ColumnRotation:
    label: str
    total: int
    reencrypted: int

    @property
    def unchanged(self) -> int:
        return self.total - self.reencrypted


@dataclass(frozen=True)
class RotationReport:
    columns: tuple[ColumnRotation, ...]

    @property
    def total(self) -> int:
        return sum(column.total for column in self.columns)

    @property
    def reencrypted(self) -> int:
        return sum(column.reencrypted for column in self.columns)

    @property
    def unchanged(self) -> int:
        return self.total - self.reencrypted


def rotate_mynumber_keys(*, batch_size: int = 500) -> RotationReport:
    """Re-encrypt every stored number under the current key. Safe to run again at any time:
    values already under the current key are left alone, and each batch commits on its own,
    with its audit event (a run stopped midway leaves no re-encrypted row unaudited)."""
    return RotationReport(tuple(_rotate(column, batch_size) for column in sealed.columns()))


def _rotate(column: sealed.SealedColumn, batch_size: int) -> ColumnRotation:
    manager = column.model._default_manager
    total = reencrypted = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            # The keys first (portal.keys, FOR SHARE), then the rows: the order every writer
            # takes them in, so a concurrent hash-key rotation cannot deadlock with a batch.
            keys.ensure(GROUP)
            # Locked, so an approval or a registration of the same row waits for the batch.
            batch = list(
                column.stored()
                .select_for_update()
                .filter(pk__gt=last_pk)
                .values_list("pk", column.member_field, column.field)[:batch_size]
            )
            if not batch:
                break
            changed = [
                column.model(pk=pk, **{column.field: vault.reencrypt(token, member_id=member_id)})
                for pk, member_id, token in batch
                if vault.needs_reencryption(token)
            ]
            manager.bulk_update(changed, [column.field])
            if changed:
                audit.record(
                    "mynumber.rotate",
                    detail={
                        "column": column.label,
                        "current_key": vault.keyring().current,
                        "total": len(batch),
                        "reencrypted": len(changed),
                        "unchanged": len(batch) - len(changed),
                        "first_id": batch[0][0],
                        "last_id": batch[-1][0],
                    },
                )
            total += len(batch)
            reencrypted += len(changed)
            last_pk = batch[-1][0]
    return ColumnRotation(column.label, total, reencrypted)
