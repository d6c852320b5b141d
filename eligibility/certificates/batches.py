"""資格確認書 in bulk: 職権交付 (everyone enrolled with no マイナ保険証 registration and no valid
certificate on a date) and renewals, as task-worker chunks.

The engine (portal.batching.engine) keeps the state in CertificateBatchItem rows and makes every
step idempotent; this module supplies what is the certificates' own. Each item is issued in its
own short transaction; the unique constraints (batch, member) and `renews` on
EligibilityCertificate are the belt. Items whose person no longer qualifies when their turn
comes are skipped, with the reason. The chunk task comes from eligibility.tasks, which registers
it with KIND when imported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from eligibility import certificate_rules, notifications
from eligibility.certificates.services import issue_certificate, period_for
from eligibility.certificates.targets import ex_officio_targets as ex_officio_targets
from eligibility.certificates.targets import expiring as expiring
from eligibility.models import (
    CertificateBatch,
    CertificateBatchItem,
    EligibilityCertificate,
)
from eligibility.records.services import EligibilityRefused
from portal import audit
from portal.batching import engine
from portal.batching.engine import BatchError as BatchError
from portal.batching.engine import ChunkResult as ChunkResult
from portal.batching.progress import Progress as Progress
from portal.models import Insurer

logger = logging.getLogger(__name__)

CHUNK_SIZE = 100
Item = CertificateBatchItem
Kind = CertificateBatch.Kind
PENDING, DONE = Item.Status.PENDING, Item.Status.DONE
SKIPPED, FAILED = Item.Status.SKIPPED, Item.Status.FAILED
DEFAULT_RENEWAL_DAYS = 90


class CertificateBatches(engine.BatchKind[CertificateBatch, CertificateBatchItem]):
    batch_model = CertificateBatch
    item_model = CertificateBatchItem
    label = "certificate"
    start_action = "certificate_batch.start"
    finish_action = "certificate_batch.finish"
    resume_action = "certificate_batch.resume"
    # The insured person too: coverage (Member.coverage_lost_on) ends with theirs.
    item_related = ("member", "member__insured", "renews")
    item_deferred = ("member__insured__mynumber_token", "member__insured__mynumber_hash")
    result_fields = ("certificate",)
    problem_statuses = (FAILED, SKIPPED)
    unexpected_error = "予期しないエラーで交付できませんでした。"
    logger = logger

    def chunk_size(self, pending: QuerySet) -> int:
        return CHUNK_SIZE

    def prepare(self, batch: CertificateBatch, *, today: date) -> tuple[Insurer | None, date]:
        return Insurer.current(), today

    def process(self, batch: CertificateBatch, items: list[Item], context: Any) -> None:
        insurer, today = context
        for item in items:
            _issue_item(batch, item, insurer, today)

    def after_chunk(self, batch: CertificateBatch, result: engine.ChunkResult) -> None:
        if result.done:
            notifications.notify_households(result.done)


KIND = CertificateBatches()


# --- starting -------------------------------------------------------------------------------


def start_ex_officio(
    as_of: date, *, actor: Any, ip: str | None = None, enqueue: bool = True
) -> CertificateBatch:
    member_ids = list(ex_officio_targets(as_of).values_list("pk", flat=True))
    if not member_ids:
        raise BatchError("基準日の時点で対象となる加入者がいません。何も開始していません。")
    rows = [{"member_id": pk} for pk in member_ids]
    return _start(Kind.EX_OFFICIO, as_of, rows, actor, ip, enqueue)


def start_renewal(
    certificates: Iterable[EligibilityCertificate],
    *,
    today: date,
    actor: Any,
    ip: str | None = None,
    enqueue: bool = True,
) -> CertificateBatch:
    latest: dict[int, EligibilityCertificate] = {}
    for certificate in certificates:  # one renewal per person: their latest certificate
        current = latest.get(certificate.member_id)
        if current is None or certificate.valid_to > current.valid_to:
            latest[certificate.member_id] = certificate
    if not latest:
        raise BatchError("更新する資格確認書がありません。何も開始していません。")
    rows = [{"member_id": member_id, "renews_id": cert.pk} for member_id, cert in latest.items()]
    return _start(Kind.RENEWAL, today, rows, actor, ip, enqueue)


def _start(
    kind: str,
    as_of: date,
    rows: list[dict[str, Any]],
    actor: Any,
    ip: str | None,
    enqueue: bool,
) -> CertificateBatch:
    return KIND.start(
        {"kind": kind, "as_of": as_of},
        rows,
        actor=actor,
        ip=ip,
        detail={"kind": kind, "as_of": as_of.isoformat()},
        enqueue=enqueue,
    )


# --- chunks ---------------------------------------------------------------------------------


def pending_chunks(batch_id: int, size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    return KIND.pending_chunks(batch_id, size)


def enqueue_pending(batch_id: int) -> int:
    return KIND.enqueue_pending(batch_id)


def run_chunk(batch_id: int, item_ids: Iterable[int], *, today: date) -> ChunkResult:
    """Issue the chunk's pending items, one short transaction each; then the members'
    e-mails; then finish the batch if nothing is pending. Safe to run any number of times."""
    return KIND.run_chunk(batch_id, item_ids, today=today)


def _issue_item(batch: CertificateBatch, item: Item, insurer: Insurer | None, today: date) -> None:
    existing = EligibilityCertificate.objects.filter(batch=batch, member=item.member).first()
    if existing is not None:
        # Issued by this batch already (an item reset by hand): record it, issue nothing.
        item.status, item.certificate = DONE, existing
        return
    try:
        reason = _not_due(batch, item, today)
        certificate = None if reason else _issue_or_find(batch, item, insurer, today)
    except EligibilityRefused as refused:
        item.status, item.error = FAILED, refused.message
        return
    if certificate is None:
        item.status, item.error = SKIPPED, reason
    else:
        item.status, item.certificate = DONE, certificate


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
    start = _renewal_start(renews, today)
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
        start = _renewal_start(renews, today)
        source = EligibilityCertificate.Source.RENEWAL
    # A 要配慮者's certificate renews as such, without a new application, registered or not.
    assisted = renews is not None and renews.needs_assistance
    valid_from, valid_to = period_for(member, start, needs_assistance=assisted)
    try:
        with transaction.atomic():
            certificate = issue_certificate(
                member,
                issued_on=today,
                valid_from=valid_from,
                valid_to=valid_to,
                source=source,
                actor=batch.created_by,
                insurer=insurer,
                batch=batch,
                renews=renews,
                needs_assistance=assisted,
            )
            if renews is not None and renews.valid_to >= certificate.valid_from:
                # Replaced from a new 70-74 term on (70, a new 1 August period): the old one
                # stops there, so that nobody holds two with different rates.
                EligibilityCertificate.objects.filter(pk=renews.pk).update(
                    revoked_on=certificate.valid_from
                )
                audit.record(
                    "eligibility.certificate_update",
                    actor=batch.created_by,
                    target=member,
                    target_label=str(member),
                    detail={
                        "certificate_id": renews.pk,
                        "changes": {
                            "revoked_on": {
                                "before": None,
                                "after": certificate.valid_from.isoformat(),
                            }
                        },
                        "replaced_by": certificate.pk,
                    },
                )
            return certificate
    except IntegrityError:
        # The belt: this batch's certificate for this member exists already (only possible if
        # the item row was reset by hand); record that one rather than issue a second.
        existing = EligibilityCertificate.objects.filter(batch=batch, member=member).first()
        if existing is None:
            raise
        return existing


def _renewal_start(renews: EligibilityCertificate, today: date) -> date:
    return certificate_rules.renewal_start(
        renews.valid_from, renews.valid_to, renews.member.birth_date, today
    )


def finish_if_done(batch_id: int) -> bool:
    return KIND.finish_if_done(batch_id)


def resume_batch(batch: CertificateBatch, *, actor: Any = None, ip: str | None = None) -> int:
    return KIND.resume_batch(batch, actor=actor, ip=ip)


# --- progress -------------------------------------------------------------------------------


def counts_by_status(batch_id: int) -> dict[str, int]:
    return KIND.counts(batch_id)


def progress(batch: CertificateBatch, now: datetime | None = None) -> Progress:
    return KIND.progress(batch, now)
