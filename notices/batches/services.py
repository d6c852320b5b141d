"""Issuing 資格情報のお知らせ in bulk: a batch of members split into chunks for task workers.

The state lives in NoticeBatchItem rows, never in the task queue (django-tasks-db has no
retries and no recovery of dead workers). So every step is idempotent:
- items are issued ITEMS_PER_TRANSACTION at a time, in a short transaction that locks their
  rows with `FOR UPDATE SKIP LOCKED` and only acts on pending ones: two workers, or a chunk
  run twice, issue one notice per member (issue_notices returns a member's existing notice of
  the batch, and the unique constraint (batch, member) on Notice is the belt);
- a killed worker rolls back the items it was on, which stay pending; `resume_batches`
  enqueues chunks for whatever is pending, as often as it is called;
- the batch is marked finished by a conditional UPDATE, so only one worker enqueues the
  print file, and `build_print_file` does nothing once the file exists.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from members.models import Employer, Member
from notices import render, services

# Progress is read through this module too (batches.batch_progress).
from notices.batches.progress import Progress as Progress
from notices.batches.progress import batch_progress as batch_progress
from notices.batches.progress import counts_by_status
from notices.models import Notice, NoticeBatch, NoticeBatchItem
from portal import audit
from portal.batching import household_chunks, mark_finished
from portal.models import Insurer

audit.register("notice.batch_start", "お知らせ一括交付の開始")
audit.register("notice.batch_finish", "お知らせ一括交付の完了")
audit.register("notice.batch_resume", "お知らせ一括交付の再開")

logger = logging.getLogger(__name__)

# Items per task: at most CHUNK_SIZE (tens of seconds of work, little to redo), and small
# enough that a batch makes at least MIN_CHUNKS tasks, so several workers share even a small one.
CHUNK_SIZE = 200
MIN_CHUNKS = 20
MIN_CHUNK_SIZE = 10

Item = NoticeBatchItem
PENDING, DONE, FAILED = Item.Status.PENDING, Item.Status.DONE, Item.Status.FAILED


class BatchError(ValueError):
    """Why a batch cannot start; the message is shown to staff as is (Japanese)."""


# --- starting -------------------------------------------------------------------------------


def targets(
    scope: str, as_of: date, employer: Employer | None, members: Sequence[Member] | None
) -> QuerySet[Member]:
    if scope == NoticeBatch.Scope.ENROLLED:
        return Member.objects.enrolled_on(as_of)
    if scope == NoticeBatch.Scope.EMPLOYER:
        if employer is None:
            raise BatchError("事業所を選んでください。")
        return Member.objects.enrolled_on(as_of).filter(employer=employer)
    if scope == NoticeBatch.Scope.MEMBERS:
        if not members:
            raise BatchError("対象の加入者を1人以上指定してください。")
        return Member.objects.filter(pk__in=[member.pk for member in members])
    raise BatchError("対象の指定が正しくありません。")


def start_batch(
    *,
    reason: str,
    as_of: date,
    scope: str,
    employer: Employer | None = None,
    members: Sequence[Member] | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
    enqueue: bool = True,
) -> NoticeBatch:
    """Create the batch and one pending item per target member; enqueue the chunks on commit.

    `enqueue=False` leaves the running to the caller (`manage.py issue_notices --wait`)."""
    if reason not in Notice.Reason.values:
        raise BatchError("交付理由が正しくありません。")
    member_ids = list(
        targets(scope, as_of, employer, members)
        .order_by("kigo", "bango", "edaban")
        .values_list("pk", flat=True)
    )
    if not member_ids:
        raise BatchError("基準日時点で対象となる加入者がいません。何も開始していません。")
    with transaction.atomic():
        batch = NoticeBatch.objects.create(
            reason=reason,
            as_of=as_of,
            scope=scope,
            employer=employer if scope == NoticeBatch.Scope.EMPLOYER else None,
            created_by=actor,
            total=len(member_ids),
        )
        Item.objects.bulk_create(
            (Item(batch=batch, member_id=pk) for pk in member_ids), batch_size=2000
        )
        audit.record(
            "notice.batch_start",
            request=request,
            actor=actor,
            target=batch,
            target_label=str(batch),
            detail={
                "batch_id": batch.pk,
                "reason": reason,
                "as_of": as_of.isoformat(),
                "scope": scope,
                "employer": employer.kigo if employer else None,
                "total": len(member_ids),
            },
        )
        if enqueue:
            transaction.on_commit(lambda: enqueue_pending(batch.pk))
    return batch


# --- chunks ---------------------------------------------------------------------------------


def pending_chunks(batch_id: int, size: int | None = None) -> Iterator[list[int]]:
    """Chunks of pending items, whole households each, so one household's e-mail goes out
    once, after all its notices."""
    pending = Item.objects.filter(batch_id=batch_id, status=PENDING)
    return household_chunks(pending, size or chunk_size(pending.count()))


def chunk_size(pending: int) -> int:
    return max(min(CHUNK_SIZE, math.ceil(pending / MIN_CHUNKS)), min(MIN_CHUNK_SIZE, CHUNK_SIZE))


def enqueue_pending(batch_id: int) -> int:
    """Enqueue a task per chunk of pending items; finish the batch if nothing is pending."""
    from notices.tasks import run_chunk_task

    chunks = 0
    for chunk in pending_chunks(batch_id):
        run_chunk_task.enqueue(batch_id, chunk)
        chunks += 1
    if not chunks:
        finish_if_done(batch_id)
    return chunks


@dataclass
class ChunkResult:
    done: list[int]  # member ids
    failed: int = 0
    skipped: int = 0  # not pending any more, or being issued by another worker right now

    def as_dict(self) -> dict[str, int]:
        return {"done": len(self.done), "failed": self.failed, "skipped": self.skipped}


def run_chunk(batch_id: int, item_ids: Iterable[int]) -> ChunkResult:
    """Issue the chunk's pending items, a few per short transaction; then enqueue the
    households' e-mails, and finish the batch if it was the last chunk. Safe to run any number
    of times: a second run finds nothing pending, issues and e-mails nothing."""
    result = ChunkResult(done=[])
    batch = NoticeBatch.objects.filter(pk=batch_id).select_related("created_by").first()
    if batch is None:
        return result
    insurer = Insurer.current()  # read once per chunk, not once per notice
    item_ids = list(item_ids)
    for start in range(0, len(item_ids), ITEMS_PER_TRANSACTION):
        _issue_items(batch, item_ids[start : start + ITEMS_PER_TRANSACTION], insurer, result)
    if result.done:
        from notices.tasks import notify_households_task

        # Chunks are whole households: each gets its one e-mail, after all its notices.
        notify_households_task.enqueue(result.done)
    finish_if_done(batch_id)
    return result


# Items issued in one transaction: the per-transaction round trips (begin, lock, update,
# commit) shared by a few notices; a killed worker redoes at most this many.
ITEMS_PER_TRANSACTION = 10


def _issue_items(
    batch: NoticeBatch, item_ids: list[int], insurer: Insurer | None, result: ChunkResult
) -> None:
    with transaction.atomic():
        # Not waiting for the WAL flush at commit: should the database crash, the last items'
        # commits can be lost, and those items are simply pending again (their files become
        # orphans for `manage.py remove_orphan_pdfs`). Nothing else is at stake.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        items = list(
            Item.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("member")
            .filter(pk__in=item_ids, batch=batch, status=PENDING)
            .order_by("pk")
        )
        result.skipped += len(item_ids) - len(items)  # done already, or another worker's now
        if not items:
            return
        try:
            issued = _issue(batch, [item.member for item in items], insurer)
        except (OperationalError, InterfaceError):
            raise  # the database is gone: the items stay pending for a resume
        except Exception:
            # Something unforeseen in the group: issue one at a time, so it fails alone.
            logger.exception("notice batch %s: a group failed, issuing its items singly", batch.pk)
            issued = services.Issued({}, {})
            for item in items:
                try:
                    one = _issue(batch, [item.member], insurer)
                except (OperationalError, InterfaceError):
                    raise
                except Exception as error:
                    one = services.Issued({}, {item.member_id: error})
                issued.notices.update(one.notices)
                issued.failures.update(one.failures)
        now = timezone.now()
        for item in items:
            if item.member_id in issued.notices:
                item.status, item.notice = DONE, issued.notices[item.member_id]
                result.done.append(item.member_id)
            else:
                error = issued.failures[item.member_id]
                if not isinstance(error, render.MissingGlyph | services.NoInsurer):
                    logger.error("notice batch %s item %s failed: %r", batch.pk, item.pk, error)
                item.status, item.error = FAILED, failure_reason(error)
                result.failed += 1
            item.finished_at = now
        Item.objects.bulk_update(items, ["status", "notice", "error", "finished_at"])


def _issue(batch: NoticeBatch, members: list[Member], insurer: Insurer | None) -> services.Issued:
    # issue_notices' own atomic block is a savepoint here: a failed group leaves the items'
    # transaction usable.
    try:
        return services.issue_notices(
            members,
            batch.reason,
            now=timezone.now(),
            actor=batch.created_by,
            batch=batch,
            insurer=insurer,
            notify=False,
        )
    except services.NoInsurer as error:
        return services.Issued({}, {member.pk: error for member in members})


def failure_reason(error: Exception) -> str:
    """A short reason in Japanese for the staff page: never a number from the record."""
    if isinstance(error, render.MissingGlyph):
        characters = "".join(sorted(error.characters))[:20]
        return f"お知らせの書体にない文字があるため作成できません(文字: {characters})。"
    if isinstance(error, services.NoInsurer):
        return "保険者情報が登録されていません。保険者情報を登録してから再度交付してください。"
    return "予期しないエラーで作成できませんでした(システムログを確認してください)。"


def finish_if_done(batch_id: int) -> bool:
    """Mark the batch finished once nothing is pending: one caller wins the UPDATE and
    enqueues the print file; every other call is a no-op."""
    if Item.objects.filter(batch_id=batch_id, status=PENDING).exists():
        return False
    from notices.tasks import build_print_file_task

    with transaction.atomic():
        running = NoticeBatch.objects.filter(pk=batch_id, status=NoticeBatch.Status.RUNNING)
        finished = mark_finished(running, NoticeBatch.Status.FINISHED, timezone.now())
        if finished:
            batch = NoticeBatch.objects.get(pk=batch_id)
            counts = counts_by_status(batch_id)
            audit.record(
                "notice.batch_finish",
                target=batch,
                target_label=str(batch),
                detail={"batch_id": batch_id, "done": counts[DONE], "failed": counts[FAILED]},
            )
            if counts[DONE]:
                transaction.on_commit(lambda: build_print_file_task.enqueue(batch_id))
    return bool(finished)


# --- resuming -------------------------------------------------------------------------------


def resume_batch(
    batch: NoticeBatch, *, actor: Any = None, request: HttpRequest | None = None
) -> int:
    """Enqueue chunks for the batch's pending items (a killed worker leaves its task marked
    running forever, and its items pending). Also enqueues a missing print file."""
    from notices.tasks import build_print_file_task

    chunks = 0
    if batch.status == NoticeBatch.Status.RUNNING:
        chunks = enqueue_pending(batch.pk)
    elif batch.print_file or not counts_by_status(batch.pk)[DONE]:
        return 0  # finished, and its print file made (or nothing to print)
    else:
        build_print_file_task.enqueue(batch.pk)
    audit.record(
        "notice.batch_resume",
        request=request,
        actor=actor,
        target=batch,
        target_label=str(batch),
        detail={"batch_id": batch.pk, "chunks": chunks},
    )
    return chunks


def resume_batches() -> int:
    """Resume every unfinished batch (and finished ones without their print file). Any
    number of calls are safe: a chunk whose items are done does nothing."""
    batches = NoticeBatch.objects.filter(
        Q(status=NoticeBatch.Status.RUNNING) | Q(status=NoticeBatch.Status.FINISHED, print_file="")
    ).order_by("pk")
    return sum(resume_batch(batch) for batch in batches)
