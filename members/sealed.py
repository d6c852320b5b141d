"""Where values sealed under the vault's keys (MYNUMBER_KEYS) are stored.

members keeps the number itself (Member.mynumber_token); an app above members that keeps a
sealed number of its own (notices: a correction waiting for a supervisor) registers its column
here from its AppConfig.ready(), as members cannot import it. The key rotation re-encrypts every
registered column, and the key checks look in each for the key ids still in use.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import CharField, Count, F, Func, Value

from members import vault


@dataclass(frozen=True)
class SealedColumn:
    label: str  # in reports and audit details: "members", "pending_corrections"
    model: type[models.Model]
    field: str  # the token column ("" where there is none)
    member_field: str  # the column holding the member id the token is bound to ("pk", "member_id")

    def stored(self) -> models.QuerySet:
        return self.model._default_manager.exclude(**{self.field: ""}).order_by("pk")

    def sample(self, key_id: str) -> tuple[int, str] | None:
        """(member id, token) of one value sealed under the key id, if any."""
        prefix = f"{vault.VERSION}:{key_id}:"
        return (
            self.stored()
            .filter(**{f"{self.field}__startswith": prefix})
            .values_list(self.member_field, self.field)
            .first()
        )

    def key_ids(self) -> dict[str, int]:
        """Key id -> how many values of this column are sealed under it."""
        key_id = Func(
            F(self.field), Value(":"), Value(2), function="split_part", output_field=CharField()
        )
        rows = (
            self.stored()
            .order_by()
            .annotate(sealed_under=key_id)
            .values("sealed_under")
            .annotate(count=Count("pk"))
        )
        return {row["sealed_under"]: row["count"] for row in rows}


_columns: list[SealedColumn] = []


def register(column: SealedColumn) -> None:
    """Registering the same column again (ready() run twice) is a no-op."""
    if column not in _columns:
        _columns.append(column)


def columns() -> list[SealedColumn]:
    return list(_columns)
