"""What every batch of per-member work shares (notices, 資格確認書): the batch's state lives in
item rows (pending / done / failed), not in the task queue, so a killed worker loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, QuerySet


def household_chunks(pending: QuerySet, size: int) -> Iterator[list[int]]:
    """Pending item ids in 記号・番号・枝番 order, cut only between households, so a household
    is handled (and told) in one go. `pending` is a queryset of items with a `member`."""
    rows = pending.order_by("member__kigo", "member__bango", "member__edaban", "pk").values_list(
        "pk", "member__kigo", "member__bango"
    )
    chunk: list[int] = []
    household: tuple[str, str] | None = None
    for pk, kigo, bango in rows.iterator(chunk_size=2000):
        if len(chunk) >= size and (kigo, bango) != household:
            yield chunk
            chunk = []
        chunk.append(pk)
        household = (kigo, bango)
    if chunk:
        yield chunk


def counts_by_status(items: QuerySet, statuses: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(statuses, 0)
    rows = items.values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def mark_finished(running: QuerySet, finished_status: str, now: object) -> bool:
    """Flip a running batch to finished; of any number of concurrent callers exactly one wins."""
    return bool(running.update(status=finished_status, finished_at=now))
