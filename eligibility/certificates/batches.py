"""資格確認書 in bulk: 職権交付 (everyone enrolled with no マイナ保険証 registration and no valid
certificate on a date) and renewals, as task-worker chunks.

The same pattern as notices.batches: the state lives in CertificateBatchItem rows, never in the
queue. Each item is issued in its own short transaction that locks the item row with
`FOR UPDATE SKIP LOCKED` and only acts on a pending item, so a chunk run twice (or by two
workers) issues one certificate per member; the unique constraints (batch, member) and
`renews` on EligibilityCertificate are the belt. Pending items of a killed worker are enqueued
again by resume_batch. Items whose person no longer qualifies when their turn comes are
skipped, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.http import HttpRequest
from django.utils import timezone

from eligibility import notifications
from eligibility.certificates.services import issue_certificate, period_for
from eligibility.certificates.targets import ex_officio_targets as ex_officio_targets
from eligibility.certificates.targets import expiring as expiring
from eligibility.models import (
    CertificateBatch,
    CertificateBatchItem,
    EligibilityCertificate,
)
from eligibility.records.services import EligibilityRefused
from portal import audit, batching
from portal.batching import household_chunks, mark_finished
from portal.models import Insurer

audit.register("certificate_batch.start", "資格確認書の一括交付の開始")
audit.register("certificate_batch.finish", "資格確認書の一括交付の完了")
audit.register("certificate_batch.resume", "資格確認書の一括交付の再開")

logger = logging.getLogger(__name__)

CHUNK_SIZE = 100
Item = CertificateBatchItem
Kind = CertificateBatch.Kind
PENDING, DONE = Item.Status.PENDING, Item.Status.DONE
SKIPPED, FAILED = Item.Status.SKIPPED, Item.Status.FAILED
DEFAULT_RENEWAL_DAYS = 90


class BatchError(ValueError):
    """Why a batch cannot start; the message is shown to staff as is (Japanese)."""


# --- starting -------------------------------------------------------------------------------


def start_ex_officio(
    as_of: date, *, actor: Any, request: HttpRequest | None = None, enqueue: bool = True
) -> CertificateBatch:
    member_ids = list(ex_officio_targets(as_of).values_list("pk", flat=True))
    if not member_ids:
        raise BatchError("基準日の時点で対象となる加入者がいません。何も開始していません。")
    return _start(
        Kind.EX_OFFICIO, as_of, [(pk, None) for pk in member_ids], actor, request, enqueue
    )


def start_renewal(
    certificates: Iterable[EligibilityCertificate],
    *,
    today: date,
    actor: Any,
    request: HttpRequest | None = None,
    enqueue: bool = True,
) -> CertificateBatch:
    latest: dict[int, EligibilityCertificate] = {}
    for certificate in certificates:  # one renewal per person: their latest certificate
        current = latest.get(certificate.member_id)
        if current is None or certificate.valid_to > current.valid_to:
            latest[certificate.member_id] = certificate
    if not latest:
        raise BatchError("更新する資格確認書がありません。何も開始していません。")
    pairs = [(member_id, cert.pk) for member_id, cert in latest.items()]
    return _start(Kind.RENEWAL, today, pairs, actor, request, enqueue)


def _start(
    kind: str,
    as_of: date,
    pairs: list[tuple[int, int | None]],
    actor: Any,
    request: HttpRequest | None,
    enqueue: bool,
) -> CertificateBatch:
    with transaction.atomic():
        batch = CertificateBatch.objects.create(
            kind=kind, as_of=as_of, created_by=actor, total=len(pairs)
        )
        Item.objects.bulk_create(
            (
                Item(batch=batch, member_id=member_id, renews_id=cert_id)
                for member_id, cert_id in pairs
            ),
            batch_size=2000,
        )
        audit.record(
            "certificate_batch.start",
            request=request,
            actor=actor,
            target=batch,
            target_label=str(batch),
            detail={
                "batch_id": batch.pk,
                "kind": kind,
                "as_of": as_of.isoformat(),
                "total": len(pairs),
            },
        )
        if enqueue:
            transaction.on_commit(lambda: enqueue_pending(batch.pk))
    return batch


# --- chunks ---------------------------------------------------------------------------------


def pending_chunks(batch_id: int, size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    return household_chunks(Item.objects.filter(batch_id=batch_id, status=PENDING), size)


def enqueue_pending(batch_id: int) -> int:
    from eligibility.tasks import run_certificate_chunk

    chunks = 0
    for chunk in pending_chunks(batch_id):
        run_certificate_chunk.enqueue(batch_id, chunk)
        chunks += 1
    if not chunks:
        finish_if_done(batch_id)
    return chunks


@dataclass
class ChunkResult:
    done: list[int] = field(default_factory=list)  # member ids
    skipped: int = 0
    failed: int = 0
    untouched: int = 0  # not pending any more, or locked by another worker

    def as_dict(self) -> dict[str, int]:
        return {
            "done": len(self.done),
            "skipped": self.skipped,
            "failed": self.failed,
            "untouched": self.untouched,
        }


def run_chunk(batch_id: int, item_ids: Iterable[int], *, today: date) -> ChunkResult:
    """Issue the chunk's pending items, one short transaction each; then the members'
    e-mails; then finish the batch if nothing is pending. Safe to run any number of times."""
    result = ChunkResult()
    batch = CertificateBatch.objects.filter(pk=batch_id).select_related("created_by").first()
    if batch is None:
        return result
    insurer = Insurer.current()
    for item_id in item_ids:
        outcome, member_id = _issue_item(batch, item_id, insurer, today)
        if outcome == DONE:
            result.done.append(member_id)
        elif outcome == SKIPPED:
            result.skipped += 1
        elif outcome == FAILED:
            result.failed += 1
        else:
            result.untouched += 1
    if result.done:
        notifications.notify_households(result.done)
    finish_if_done(batch_id)
    return result


def _issue_item(
    batch: CertificateBatch, item_id: int, insurer: Insurer | None, today: date
) -> tuple[str, int]:
    with transaction.atomic():
        item = (
            Item.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("member", "renews")
            .filter(pk=item_id, batch=batch, status=PENDING)
            .first()
        )
        if item is None:
            return "untouched", 0
        existing = EligibilityCertificate.objects.filter(batch=batch, member=item.member).first()
        if existing is not None:
            # Issued by this batch already (an item reset by hand): record it, issue nothing.
            return _finish(item, DONE, certificate=existing)
        try:
            reason = _not_due(batch, item, today)
            certificate = None if reason else _issue_or_find(batch, item, insurer, today)
        except (OperationalError, InterfaceError):
            raise  # the database is gone: the item stays pending for a resume
        except EligibilityRefused as refused:
            return _finish(item, FAILED, error=refused.message)
        except Exception:
            logger.exception("certificate batch %s item %s failed", batch.pk, item.pk)
            return _finish(item, FAILED, error="予期しないエラーで交付できませんでした。")
        if certificate is None:
            return _finish(item, SKIPPED, error=reason)
        return _finish(item, DONE, certificate=certificate)


def _finish(
    item: Item, status: str, *, error: str = "", certificate: Any = None
) -> tuple[str, int]:
    item.status, item.error, item.certificate = status, error[:200], certificate
    item.finished_at = timezone.now()
    item.save(update_fields=["status", "error", "certificate", "finished_at"])
    return status, item.member_id


def _not_due(batch: CertificateBatch, item: Item, today: date) -> str:
    """Why this person no longer gets a certificate from the batch ("" if they do)."""
    member = item.member
    if batch.kind == Kind.EX_OFFICIO:
        if not ex_officio_targets(batch.as_of).filter(pk=member.pk).exists():
            return "開始後に状況が変わり、対象ではなくなりました(利用登録・資格確認書・資格)。"
        return ""
    renews = item.renews
    if renews is None or renews.returned_on or renews.revoked_on:
        return "更新前の資格確認書が返却・無効になっています。"
    if EligibilityCertificate.objects.filter(renews=renews).exists():
        return "すでに更新されています。"
    start = max(renews.valid_to + timedelta(days=1), today)
    if not member.is_enrolled(start):
        return "更新後の開始日に加入していません。"
    return ""


def _issue_or_find(
    batch: CertificateBatch, item: Item, insurer: Insurer | None, today: date
) -> EligibilityCertificate:
    member = item.member
    if batch.kind == Kind.EX_OFFICIO:
        start, source, renews = batch.as_of, EligibilityCertificate.Source.EX_OFFICIO, None
    else:
        renews = item.renews
        start = max(renews.valid_to + timedelta(days=1), today)
        source = EligibilityCertificate.Source.RENEWAL
    valid_from, valid_to = period_for(member, start)
    try:
        with transaction.atomic():
            return issue_certificate(
                member,
                issued_on=today,
                valid_from=valid_from,
                valid_to=valid_to,
                source=source,
                actor=batch.created_by,
                insurer=insurer,
                batch=batch,
                renews=renews,
            )
    except IntegrityError:
        # The belt: this batch's certificate for this member exists already (only possible if
        # the item row was reset by hand); record that one rather than issue a second.
        existing = EligibilityCertificate.objects.filter(batch=batch, member=member).first()
        if existing is None:
            raise
        return existing


def finish_if_done(batch_id: int) -> bool:
    """Mark the batch finished once nothing is pending; only one caller wins the UPDATE."""
    if Item.objects.filter(batch_id=batch_id, status=PENDING).exists():
        return False
    with transaction.atomic():
        running = CertificateBatch.objects.filter(
            pk=batch_id, status=CertificateBatch.Status.RUNNING
        )
        finished = mark_finished(running, CertificateBatch.Status.FINISHED, timezone.now())
        if finished:
            batch = CertificateBatch.objects.get(pk=batch_id)
            audit.record(
                "certificate_batch.finish",
                target=batch,
                target_label=str(batch),
                detail={"batch_id": batch_id, **counts_by_status(batch_id)},
            )
    return bool(finished)


def resume_batch(
    batch: CertificateBatch, *, actor: Any = None, request: HttpRequest | None = None
) -> int:
    if batch.status != CertificateBatch.Status.RUNNING:
        return 0
    chunks = enqueue_pending(batch.pk)
    audit.record(
        "certificate_batch.resume",
        request=request,
        actor=actor,
        target=batch,
        target_label=str(batch),
        detail={"batch_id": batch.pk, "chunks": chunks},
    )
    return chunks


# --- progress -------------------------------------------------------------------------------


def counts_by_status(batch_id: int) -> dict[str, int]:
    return batching.counts_by_status(Item.objects.filter(batch_id=batch_id), Item.Status.values)


@dataclass
class Progress:
    total: int
    counts: dict[str, int]

    @property
    def pending(self) -> int:
        return self.counts[PENDING]

    @property
    def processed(self) -> int:
        return self.total - self.pending

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100


def progress(batch: CertificateBatch) -> Progress:
    return Progress(batch.total, counts_by_status(batch.pk))
