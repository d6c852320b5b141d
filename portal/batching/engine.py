"""The batch engine: a batch of per-member work, split into chunks for task workers.

The state lives in the item rows, never in the task queue (django-tasks-db has no retries and
no recovery of dead workers). So every step is idempotent:
- a chunk's items are worked on `items_per_transaction` at a time, in a short transaction that
  locks their rows with `FOR UPDATE SKIP LOCKED` and only acts on pending ones: two workers, or
  a chunk run twice, do each item once;
- a killed worker rolls back the items it was on, which stay pending; resume_batch enqueues
  chunks for whatever is pending, as often as it is called;
- the batch is finished by a conditional UPDATE, so exactly one caller runs the finishing step.

Each app subclasses BatchKind with what differs (its models, its per-item work, what follows a
chunk, its finishing step) and keeps one instance. Tasks modules sit above the services: they
hand their tasks to their kind with use_tasks() when imported (the app's AppConfig.ready()
imports them), so nothing here or in a service imports a tasks module.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.tasks import Task
from django.utils import timezone

from portal import audit
from portal.batching.models import DONE, FAILED, PENDING, Batch, BatchItem
from portal.batching.progress import Progress, counts_by_status, measure

logger = logging.getLogger(__name__)

ERROR_LENGTH = 200  # BatchItem.error's max_length


class BatchError(ValueError):
    """Why a batch cannot start; the message is shown to staff as is (Japanese)."""


@dataclass
class ChunkResult:
    done: list[int] = field(default_factory=list)  # member ids
    skipped: int = 0  # passed over on purpose by the kind's work (no longer due)
    failed: int = 0
    untouched: int = 0  # not pending any more, or locked by another worker right now

    def as_dict(self) -> dict[str, int]:
        return {
            "done": len(self.done),
            "skipped": self.skipped,
            "failed": self.failed,
            "untouched": self.untouched,
        }


# Seconds between attempts at a step when the database is gone: about half a minute in all,
# more than a restart or a managed failover takes.
RECONNECT_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 16)


def reconnecting(
    step: Any, *args: Any, delays: Sequence[float] | None = None, label: str = "task"
) -> Any:
    """Run an idempotent step of a task; if the database goes away (a restart, a failover),
    reconnect and run it again after each of `delays`, then give up (the work stays pending
    for a resume). Without this a task worker outlives a database restart with its task
    failed and its batch stalled until someone resumes it (docs/RELIABILITY.md)."""
    for delay in (*(RECONNECT_DELAYS if delays is None else delays), None):
        try:
            return step(*args)
        except (OperationalError, InterfaceError):
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning("%s: the database is unavailable; again in %s s", label, delay)
            connection.close()
            time.sleep(delay)
    return None


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


def mark_finished(running: QuerySet, finished_status: str, now: datetime) -> bool:
    """Flip a running batch to finished; of any number of concurrent callers exactly one wins."""
    return bool(running.update(status=finished_status, finished_at=now))


class BatchKind[B: Batch, I: BatchItem]:
    """One app's batches. Subclasses set the class attributes and implement the hooks below;
    the engine methods (start ... progress) are the same for every kind."""

    batch_model: type[B]
    item_model: type[I]  # with `batch`, `member` and a `Status` holding PENDING, DONE, FAILED
    label: str  # in log lines: "notice batch 12 ..."
    start_action: str
    finish_action: str
    resume_action: str
    items_per_transaction = 1
    item_related: tuple[str, ...] = ("member",)  # read with the locked items
    item_deferred: tuple[str, ...] = ()  # columns of those never needed (the vault's)
    result_fields: tuple[str, ...] = ()  # what the work links an item to, saved with it
    problem_statuses: tuple[str, ...] = (FAILED,)  # listed for staff on the batch page
    reconnect_delays: Sequence[float] = RECONNECT_DELAYS  # see reconnecting()
    # False: commits do not wait for the WAL flush (see _work); only for idempotent work.
    synchronous_commit = True
    result_class: type[ChunkResult] = ChunkResult
    unexpected_error = "予期しないエラーで処理できませんでした。"
    logger = logging.getLogger(__name__)  # kinds log under their own module

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}

    # --- what each kind supplies ---------------------------------------------------------

    def chunk_size(self, pending: QuerySet) -> int:
        raise NotImplementedError

    def prepare(self, batch: B, **options: Any) -> Any:
        """What every item of a chunk needs, read once per chunk; passed to process()."""
        return None

    def process(self, batch: B, items: list[I], context: Any) -> None:
        """Do the work of locked pending items, inside their transaction: set each item's
        status (DONE, FAILED, or a status of the kind's own) and `error` or result fields.
        An exception rolls the group back; its items are then worked on one at a time, and
        one that raises again fails alone with failure_reason()."""
        raise NotImplementedError

    def failure_reason(self, error: Exception) -> str:
        """What staff read for an item that raised: never a number from the record."""
        return self.unexpected_error

    def after_chunk(self, batch: B, result: ChunkResult) -> None:
        """After the chunk's items are committed (e.g. tell the households)."""

    def finish_detail(self, counts: dict[str, int]) -> dict[str, Any]:
        return counts

    def on_finish(self, batch: B, counts: dict[str, int]) -> None:
        """Inside the transaction that finished the batch; runs once per batch."""

    def resume_finished(self, batch: B) -> bool:
        """Resume what a finished batch still lacks; True if anything was enqueued."""
        return False

    # --- tasks ---------------------------------------------------------------------------

    def use_tasks(self, **tasks: Task) -> None:
        """Called by the app's tasks module when imported: "chunk" runs one chunk (args:
        batch id, item ids); a kind may name others."""
        self._tasks.update(tasks)

    def task(self, name: str) -> Task:
        try:
            return self._tasks[name]
        except KeyError:
            raise ImproperlyConfigured(
                f"no {name!r} task for {self.label} batches: the app's AppConfig.ready() "
                "must import its tasks module"
            ) from None

    # --- starting ------------------------------------------------------------------------

    def start(
        self,
        fields: dict[str, Any],
        rows: Sequence[dict[str, Any]],
        *,
        actor: Any,
        ip: str | None,
        detail: dict[str, Any],
        enqueue: bool = True,
    ) -> B:
        """Create the batch (`fields`) and a pending item per row; audit it; enqueue the chunks
        on commit. `enqueue=False` leaves the running to the caller."""
        if enqueue:
            self.task("chunk")  # a missing task fails here, before anything is written
        with transaction.atomic():
            batch = self.batch_model.objects.create(created_by=actor, total=len(rows), **fields)
            self.item_model.objects.bulk_create(
                (self.item_model(batch=batch, **row) for row in rows), batch_size=2000
            )
            audit.record(
                self.start_action,
                actor=actor,
                ip=ip,
                target=batch,
                target_label=str(batch),
                detail={"batch_id": batch.pk, **detail, "total": len(rows)},
            )
            if enqueue:
                transaction.on_commit(lambda: self.enqueue_pending(batch.pk))
        return batch

    # --- chunks --------------------------------------------------------------------------

    def pending(self, batch_id: int) -> QuerySet:
        return self.item_model.objects.filter(batch_id=batch_id, status=PENDING)

    def pending_chunks(self, batch_id: int, size: int | None = None) -> Iterator[list[int]]:
        """Chunks of pending items, whole households each."""
        pending = self.pending(batch_id)
        return household_chunks(pending, size or self.chunk_size(pending))

    def enqueue_pending(self, batch_id: int) -> int:
        """Enqueue a task per chunk of pending items; finish the batch if nothing is pending."""
        chunk_task = self.task("chunk")
        chunks = 0
        for chunk in self.pending_chunks(batch_id):
            chunk_task.enqueue(batch_id, chunk)
            chunks += 1
        if not chunks:
            self.finish_if_done(batch_id)
        return chunks

    def run_chunk(self, batch_id: int, item_ids: Iterable[int], **options: Any) -> ChunkResult:
        """Work on the chunk's pending items, a few per short transaction; then after_chunk(),
        and finish the batch if it was the last chunk. Safe to run any number of times: a
        second run finds nothing pending and does nothing."""
        result = self.result_class()
        batch = self.batch_model.objects.filter(pk=batch_id).select_related("created_by").first()
        if batch is None:
            return result
        context = self.prepare(batch, **options)
        item_ids = list(item_ids)
        size = self.items_per_transaction
        for start in range(0, len(item_ids), size):
            group = item_ids[start : start + size]
            self._reconnecting(self._run_group, batch, group, context, result)
        self._reconnecting(self.after_chunk, batch, result)
        self._reconnecting(self.finish_if_done, batch_id)
        return result

    def _reconnecting(self, step: Any, *args: Any) -> Any:
        return reconnecting(step, *args, delays=self.reconnect_delays, label=self.label)

    def _run_group(self, batch: B, item_ids: list[int], context: Any, result: ChunkResult) -> None:
        try:
            items, untouched = self._work(batch, item_ids, context)
        except (OperationalError, InterfaceError):
            raise  # the database is gone: the items stay pending for a resume
        except Exception as error:
            # The group's transaction has rolled back, leaving nothing of it behind.
            if len(item_ids) > 1:
                self.logger.exception(
                    "%s batch %s: a group failed, working its items singly", self.label, batch.pk
                )
                for item_id in item_ids:
                    self._run_group(batch, [item_id], context, result)
                return
            self.logger.exception("%s batch %s item %s failed", self.label, batch.pk, item_ids[0])
            items, untouched = self._fail(batch, item_ids[0], self.failure_reason(error))
        result.untouched += untouched
        for item in items:
            if item.status == DONE:
                result.done.append(item.member_id)
            elif item.status == FAILED:
                result.failed += 1
            else:
                result.skipped += 1

    def _lock(self, batch: B, item_ids: list[int]) -> list[I]:
        return list(
            self.item_model.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(*self.item_related)
            .defer(*self.item_deferred)
            .filter(pk__in=item_ids, batch=batch, status=PENDING)
            .order_by("pk")
        )

    def _work(self, batch: B, item_ids: list[int], context: Any) -> tuple[list[I], int]:
        """The locked pending items, worked on and saved; and how many were not pending."""
        with transaction.atomic():
            if not self.synchronous_commit:
                # Not waiting for the WAL flush at commit: should the database crash, the last
                # items' commits can be lost, and those items are simply pending again (their
                # files become orphans for `manage.py remove_orphan_pdfs`).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            items = self._lock(batch, item_ids)
            if items:
                for item in items:
                    item.error = ""  # an item reset by hand starts afresh
                self.process(batch, items, context)
                now = timezone.now()
                for item in items:
                    if item.status == PENDING:
                        raise RuntimeError(f"{self.label} batch {batch.pk}: {item.pk} left pending")
                    item.error, item.finished_at = item.error[:ERROR_LENGTH], now
                self.item_model.objects.bulk_update(
                    items, ["status", "error", "finished_at", *self.result_fields]
                )
        return items, len(item_ids) - len(items)

    def _fail(self, batch: B, item_id: int, reason: str) -> tuple[list[I], int]:
        with transaction.atomic():
            items = self._lock(batch, [item_id])
            for item in items:
                item.status = FAILED
                item.error, item.finished_at = reason[:ERROR_LENGTH], timezone.now()
            self.item_model.objects.bulk_update(items, ["status", "error", "finished_at"])
        return items, 1 - len(items)

    # --- finishing and resuming ----------------------------------------------------------

    def finish_if_done(self, batch_id: int) -> bool:
        """Mark the batch finished once nothing is pending: one caller wins the UPDATE, audits
        it and runs on_finish(); every other call is a no-op."""
        if self.pending(batch_id).exists():
            return False
        with transaction.atomic():
            running = self.batch_model.objects.filter(pk=batch_id, status=Batch.Status.RUNNING)
            finished = mark_finished(running, Batch.Status.FINISHED, timezone.now())
            if finished:
                batch = self.batch_model.objects.get(pk=batch_id)
                counts = self.counts(batch_id)
                audit.record(
                    self.finish_action,
                    target=batch,
                    target_label=str(batch),
                    detail={"batch_id": batch_id, **self.finish_detail(counts)},
                )
                self.on_finish(batch, counts)
        return finished

    def resume_batch(self, batch: B, *, actor: Any = None, ip: str | None = None) -> int:
        """Enqueue chunks for a running batch's pending items (a killed worker leaves its task
        marked running forever, and its items pending), or what a finished one still lacks.
        The enqueued tasks and the audit row commit together."""
        with transaction.atomic():
            if batch.status == Batch.Status.RUNNING:
                chunks = self.enqueue_pending(batch.pk)
            elif self.resume_finished(batch):
                chunks = 0
            else:
                return 0
            audit.record(
                self.resume_action,
                actor=actor,
                ip=ip,
                target=batch,
                target_label=str(batch),
                detail={"batch_id": batch.pk, "chunks": chunks},
            )
        return chunks

    # --- progress ------------------------------------------------------------------------

    def counts(self, batch_id: int) -> dict[str, int]:
        items = self.item_model.objects.filter(batch_id=batch_id)
        return counts_by_status(items, self.item_model.Status.values)

    def progress(self, batch: B, now: datetime | None = None) -> Progress:
        items = self.item_model.objects.filter(batch=batch)
        statuses = self.item_model.Status.values
        return measure(batch, items, statuses, self.problem_statuses, now)
