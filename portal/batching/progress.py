"""How far a batch has got: counts, rate, time left, the first problems. Read from the item
rows, never from the task queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from portal.batching.models import DONE, FAILED, PENDING, Batch

# Problem items shown on the batch page; more would make the page a download.
FAILURES_SHOWN = 200


@dataclass
class Progress:
    total: int
    counts: dict[str, int]  # items per status, every status of the item model present
    rate: float | None  # items per second since the first one
    eta: timedelta | None
    failures: list[Any]  # the first FAILURES_SHOWN problem items, with their member
    more_failures: int

    @property
    def done(self) -> int:
        return self.counts[DONE]

    @property
    def failed(self) -> int:
        return self.counts[FAILED]

    @property
    def pending(self) -> int:
        return self.counts[PENDING]

    @property
    def processed(self) -> int:
        return sum(self.counts.values()) - self.pending

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100

    @property
    def eta_label(self) -> str:
        if self.eta is None:
            return ""
        minutes, seconds = divmod(int(self.eta.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"約{hours}時間{minutes}分"
        return f"約{minutes}分{seconds}秒" if minutes else f"約{seconds}秒"


def counts_by_status(items: QuerySet, statuses: Iterable[str]) -> dict[str, int]:
    """Items per status in one query; statuses without items count 0."""
    counts = dict.fromkeys(statuses, 0)
    rows = items.values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def measure(
    batch: Batch,
    items: QuerySet,
    statuses: Iterable[str],
    problem_statuses: Sequence[str],
    now: datetime | None = None,
) -> Progress:
    """`items` are the batch's items; `problem_statuses` those listed for staff."""
    counts = counts_by_status(items, statuses)
    times = items.filter(finished_at__isnull=False).aggregate(
        first=Min("finished_at"), last=Max("finished_at")
    )
    processed = sum(counts.values()) - counts[PENDING]
    end = times["last"] if batch.status == Batch.Status.FINISHED else now or timezone.now()
    rate = eta = None
    if times["first"] and end and processed > 1:
        seconds = (end - times["first"]).total_seconds()
        # The first item starts the clock, so it is not counted in the rate.
        if seconds > 0:
            rate = (processed - 1) / seconds
            eta = timedelta(seconds=round(counts[PENDING] / rate)) if rate else None
    failures = list(
        items.filter(status__in=problem_statuses)
        .select_related("member")
        .order_by("status", "member__kigo", "member__bango", "member__edaban")[:FAILURES_SHOWN]
    )
    problems = sum(counts[status] for status in problem_statuses)
    return Progress(
        total=batch.total,
        counts=counts,
        rate=rate,
        eta=eta,
        failures=failures,
        more_failures=max(problems - FAILURES_SHOWN, 0),
    )
