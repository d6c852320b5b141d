"""How far a batch has got: counts, rate, time left, failures. Read from the item rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, Min
from django.utils import timezone

from notices.models import NoticeBatch, NoticeBatchItem
from portal import batching

FAILURES_SHOWN = 200

Item = NoticeBatchItem
PENDING, DONE, FAILED = Item.Status.PENDING, Item.Status.DONE, Item.Status.FAILED


@dataclass
class Progress:
    total: int
    done: int
    failed: int
    pending: int
    rate: float | None  # notices per second since the first one
    eta: timedelta | None
    failures: list[NoticeBatchItem]
    more_failures: int

    @property
    def processed(self) -> int:
        return self.done + self.failed

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


def counts_by_status(batch_id: int) -> dict[str, int]:
    return batching.counts_by_status(
        Item.objects.filter(batch_id=batch_id), [PENDING, DONE, FAILED]
    )


def batch_progress(batch: NoticeBatch, now: datetime | None = None) -> Progress:
    counts = counts_by_status(batch.pk)
    times = Item.objects.filter(batch=batch, finished_at__isnull=False).aggregate(
        first=Min("finished_at"), last=Max("finished_at")
    )
    processed = counts[DONE] + counts[FAILED]
    end = times["last"] if batch.status == NoticeBatch.Status.FINISHED else now or timezone.now()
    rate = eta = None
    if times["first"] and end and processed > 1:
        seconds = (end - times["first"]).total_seconds()
        # The first notice starts the clock, so it is not counted in the rate.
        if seconds > 0:
            rate = (processed - 1) / seconds
            eta = timedelta(seconds=round(counts[PENDING] / rate)) if rate else None
    failures = list(
        Item.objects.filter(batch=batch, status=FAILED)
        .select_related("member")
        .order_by("member__kigo", "member__bango", "member__edaban")[:FAILURES_SHOWN]
    )
    return Progress(
        total=batch.total,
        done=counts[DONE],
        failed=counts[FAILED],
        pending=counts[PENDING],
        rate=rate,
        eta=eta,
        failures=failures,
        more_failures=max(counts[FAILED] - FAILURES_SHOWN, 0),
    )
