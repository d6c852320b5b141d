"""Re-sealing every second factor's secret under the current MFA key (`manage.py rotate_mfa_key`):
after a new key is put first in MFA_SECRET_KEYS, and once after upgrading, for the secrets still
sealed under the key derived from SECRET_KEY."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from django.db import transaction

from portal import audit
from portal.keys import mfa


@dataclass(frozen=True)
class MFARotationReport:
    total: int  # authenticators
    resealed: int
    unchanged: int
    unreadable: tuple[int, ...]  # ids of authenticators whose secrets open with no key


def _resealed(data: dict[str, Any], ring: mfa.MFAKeyring) -> dict[str, Any] | None:
    """The data with each sealed value re-sealed under the current key; None when nothing
    needs it. Raises MFASecretError when a value opens with none of the keys."""
    new = dict(data)
    changed = False
    for name in mfa.SEALED_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and mfa.needs_resealing(value, ring):
            new[name] = mfa.seal(mfa.unseal(value, ring), ring)
            changed = True
    for name in mfa.SEALED_LISTS:
        values = data.get(name)
        if isinstance(values, list) and any(
            isinstance(v, str) and mfa.needs_resealing(v, ring) for v in values
        ):
            new[name] = [
                mfa.seal(mfa.unseal(v, ring), ring) if isinstance(v, str) else v for v in values
            ]
            changed = True
    return new if changed else None


def rotate_mfa_secrets(*, batch_size: int = 200) -> MFARotationReport:
    """Safe to run again: values already under the current key are left alone. Each batch
    commits on its own with its audit event (counts and ids only, never a secret)."""
    ring = mfa.keyring()
    total = resealed = 0
    unreadable: list[int] = []
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Authenticator.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "data")[:batch_size]
            )
            if not batch:
                break
            changed = []
            failed = []
            for authenticator in batch:
                try:
                    data = _resealed(authenticator.data or {}, ring)
                except mfa.MFASecretError:
                    failed.append(authenticator.pk)
                    continue
                if data is not None:
                    authenticator.data = data
                    changed.append(authenticator)
            Authenticator.objects.bulk_update(changed, ["data"])
            if changed or failed:
                audit.record(
                    "keys.mfa_rotate",
                    detail={
                        "current_key": ring.current,
                        "total": len(batch),
                        "resealed": len(changed),
                        "unreadable_ids": failed,
                        "first_id": batch[0].pk,
                        "last_id": batch[-1].pk,
                    },
                )
            total += len(batch)
            resealed += len(changed)
            unreadable += failed
            last_pk = batch[-1].pk
    return MFARotationReport(
        total=total,
        resealed=resealed,
        unchanged=total - resealed - len(unreadable),
        unreadable=tuple(unreadable),
    )
