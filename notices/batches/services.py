"""Issuing 資格情報のお知らせ in bulk: a batch of members split into chunks for task workers.

The engine (portal.batching.engine) keeps the state in NoticeBatchItem rows and makes every
step idempotent; this module supplies what is the notices' own:
- items are issued ITEMS_PER_TRANSACTION at a time: issue_notices returns a member's existing
  notice of the batch, and the unique constraint (batch, member) on Notice is the belt;
- a chunk's households get their e-mails from a task of their own (notify_households_task);
- the one caller that finishes the batch enqueues its print file, and `build_print_file` does
  nothing once the file exists.
The tasks come from notices.tasks, which registers them with KIND when imported.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from members.models import Employer, Member
from notices import render, services
from notices.batches import rules
from notices.models import Notice, NoticeBatch, NoticeBatchItem
from portal.batching import engine
from portal.batching.engine import BatchError as BatchError
from portal.batching.progress import Progress as Progress
from portal.models import Insurer

logger = logging.getLogger(__name__)

# Items per task: at most CHUNK_SIZE (tens of seconds of work, little to redo), and small
# enough that a batch makes at least MIN_CHUNKS tasks, so several workers share even a small one.
CHUNK_SIZE = 200
MIN_CHUNKS = 20
MIN_CHUNK_SIZE = 10
# Items issued in one transaction: the per-transaction round trips (begin, lock, update,
# commit) shared by a few notices; a killed worker redoes at most this many.
ITEMS_PER_TRANSACTION = 10

Item = NoticeBatchItem
PENDING, DONE, FAILED = Item.Status.PENDING, Item.Status.DONE, Item.Status.FAILED


class ChunkResult(engine.ChunkResult):
    def as_dict(self) -> dict[str, int]:
        # Notices are never passed over on purpose; "skipped" has always meant items done
        # already, or being issued by another worker right now (the tasks' stored results).
        return {"done": len(self.done), "failed": self.failed, "skipped": self.untouched}


class NoticeBatches(engine.BatchKind[NoticeBatch, NoticeBatchItem]):
    batch_model = NoticeBatch
    item_model = NoticeBatchItem
    label = "notice"
    start_action = "notice.batch_start"
    finish_action = "notice.batch_finish"
    resume_action = "notice.batch_resume"
    items_per_transaction = ITEMS_PER_TRANSACTION
    result_fields = ("notice",)
    # Safe to lose the last commits in a crash: the items are pending again, and issuing
    # them again makes the same notices (their files become orphans, removed by a command).
    synchronous_commit = False
    result_class = ChunkResult
    logger = logger

    def chunk_size(self, pending: QuerySet) -> int:
        return chunk_size(pending.count())

    def prepare(self, batch: NoticeBatch, **options: Any) -> Insurer | None:
        return Insurer.current()  # read once per chunk, not once per notice

    def process(self, batch: NoticeBatch, items: list[Item], insurer: Any) -> None:
        members = [item.member for item in items]
        try:
            issued = services.issue_notices(
                members,
                batch.reason,
                now=timezone.now(),
                actor=batch.created_by,
                batch=batch,
                insurer=insurer,
                notify=False,
                terms_on=batch.as_of,  # an elderly batch started ahead describes its 基準日
            )
        except services.NoInsurer as error:
            # Not unforeseen: every item fails with the reason staff can act on.
            issued = services.Issued({}, {member.pk: error for member in members})
        for item in items:
            if item.member_id in issued.notices:
                item.status, item.notice = DONE, issued.notices[item.member_id]
                continue
            error = issued.failures[item.member_id]
            if not isinstance(
                error, render.MissingGlyph | services.NoInsurer | services.NoCopayRate
            ):
                logger.error("notice batch %s item %s failed: %r", batch.pk, item.pk, error)
            item.status, item.error = FAILED, failure_reason(error)

    def failure_reason(self, error: Exception) -> str:
        return failure_reason(error)

    def after_chunk(self, batch: NoticeBatch, result: engine.ChunkResult) -> None:
        if result.done:
            # Chunks are whole households: each gets its one e-mail, after all its notices.
            self.task("notify").enqueue(result.done)

    def finish_detail(self, counts: dict[str, int]) -> dict[str, Any]:
        return {"done": counts[DONE], "failed": counts[FAILED]}

    def on_finish(self, batch: NoticeBatch, counts: dict[str, int]) -> None:
        if counts[DONE]:
            build = self.task("print_file")
            transaction.on_commit(lambda: build.enqueue(batch.pk))

    def resume_finished(self, batch: NoticeBatch) -> bool:
        if batch.print_file or not self.counts(batch.pk)[DONE]:
            return False  # its print file made (or nothing to print)
        self.task("print_file").enqueue(batch.pk)
        return True


KIND = NoticeBatches()


# --- starting -------------------------------------------------------------------------------


def targets(
    scope: str,
    as_of: date,
    employer: Employer | None,
    members: Sequence[Member] | None,
    reason: str = "",
) -> QuerySet[Member]:
    """The members a batch issues to. An elderly reason narrows everyone enrolled (or an
    employer's members) to the ages it is for; a list of members is taken as given."""
    chosen = _in_scope(scope, as_of, employer, members)
    if reason in Notice.ELDERLY_REASONS and scope != NoticeBatch.Scope.MEMBERS:
        try:
            earliest, latest = rules.elderly_birth_range(reason, as_of)
        except rules.TargetError as error:
            raise BatchError(str(error)) from None
        chosen = chosen.filter(birth_date__lte=latest)
        if earliest is not None:
            chosen = chosen.filter(birth_date__gte=earliest)
    return chosen


def _in_scope(
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
    ip: str | None = None,
    enqueue: bool = True,
) -> NoticeBatch:
    """Create the batch and one pending item per target member; enqueue the chunks on commit.

    `enqueue=False` leaves the running to the caller (`manage.py issue_notices --wait`)."""
    if reason not in Notice.Reason.values:
        raise BatchError("交付理由が正しくありません。")
    member_ids = list(
        targets(scope, as_of, employer, members, reason)
        .order_by("kigo", "bango", "edaban")
        .values_list("pk", flat=True)
    )
    if not member_ids:
        raise BatchError("基準日時点で対象となる加入者がいません。何も開始していません。")
    employer = employer if scope == NoticeBatch.Scope.EMPLOYER else None
    return KIND.start(
        {"reason": reason, "as_of": as_of, "scope": scope, "employer": employer},
        [{"member_id": pk} for pk in member_ids],
        actor=actor,
        ip=ip,
        detail={
            "reason": reason,
            "as_of": as_of.isoformat(),
            "scope": scope,
            "employer": employer.kigo if employer else None,
        },
        enqueue=enqueue,
    )


# --- chunks ---------------------------------------------------------------------------------


def chunk_size(pending: int) -> int:
    return max(min(CHUNK_SIZE, math.ceil(pending / MIN_CHUNKS)), min(MIN_CHUNK_SIZE, CHUNK_SIZE))


def pending_chunks(batch_id: int, size: int | None = None) -> Iterator[list[int]]:
    """Chunks of pending items, whole households each, so one household's e-mail goes out
    once, after all its notices."""
    return KIND.pending_chunks(batch_id, size)


def enqueue_pending(batch_id: int) -> int:
    return KIND.enqueue_pending(batch_id)


def run_chunk(batch_id: int, item_ids: Iterable[int]) -> engine.ChunkResult:
    """Issue the chunk's pending items; enqueue the households' e-mails; finish the batch if
    it was the last chunk. A second run issues and e-mails nothing."""
    return KIND.run_chunk(batch_id, item_ids)


def failure_reason(error: Exception) -> str:
    """A short reason in Japanese for the staff page: never a number from the record."""
    if isinstance(error, render.MissingGlyph):
        characters = "".join(sorted(error.characters))[:20]
        return f"お知らせの書体にない文字があるため作成できません(文字: {characters})。"
    if isinstance(error, services.NoInsurer):
        return "保険者情報が登録されていません。保険者情報を登録してから再度交付してください。"
    if isinstance(error, services.NoCopayRate):
        return str(error)
    return "予期しないエラーで作成できませんでした(システムログを確認してください)。"


def finish_if_done(batch_id: int) -> bool:
    return KIND.finish_if_done(batch_id)


# --- resuming and progress ------------------------------------------------------------------


def resume_batch(batch: NoticeBatch, *, actor: Any = None, ip: str | None = None) -> int:
    """Enqueue chunks for the batch's pending items; for a finished batch, a missing print
    file."""
    return KIND.resume_batch(batch, actor=actor, ip=ip)


def resume_batches() -> int:
    """Resume every unfinished batch (and finished ones without their print file). Any
    number of calls are safe: a chunk whose items are done does nothing."""
    batches = NoticeBatch.objects.filter(
        Q(status=NoticeBatch.Status.RUNNING) | Q(status=NoticeBatch.Status.FINISHED, print_file="")
    ).order_by("pk")
    return sum(resume_batch(batch) for batch in batches)


def counts_by_status(batch_id: int) -> dict[str, int]:
    return KIND.counts(batch_id)


def batch_progress(batch: NoticeBatch, now: datetime | None = None) -> Progress:
    return KIND.progress(batch, now)
