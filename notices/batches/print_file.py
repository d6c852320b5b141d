"""The print file of a finished batch: one PDF of all its notices, for mailing.

Sorted by employer (記号) and number (番号, 枝番), numerically, as the printed notices go into
envelopes. Rendered with the notice renderer in parts of PAGES_PER_PART notices, each written
and then joined into one file (notices.pdfjoin), so memory stays that of one part however
large the batch: rendered as one WeasyPrint document, every page's layout would stay in
memory until the end. Each part embeds its forms and its entries' font subset once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import Any, BinaryIO

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from notices import render
from notices.batches.pdfjoin import PdfJoiner
from notices.models import Notice, NoticeBatch

PAGES_PER_PART = 100


def _number(text: str) -> tuple[int, str]:
    # 記号 and 番号 are digit strings: 2 before 10, and "007" still sorts as 7.
    return (int(text), text) if text.isascii() and text.isdigit() else (10**9, text)


def print_order(snapshot: dict[str, Any]) -> tuple:
    return (_number(snapshot["kigo"]), _number(snapshot["bango"]), _number(snapshot["edaban"]))


def write_print_pdf(notices: Sequence[tuple[dict[str, Any], str]], target: BinaryIO) -> int:
    """Several notices (snapshot, public id), already in order, as one PDF; the page count."""
    joiner = PdfJoiner(target)
    for start in range(0, len(notices), PAGES_PER_PART):
        # In the shape the joiner reads; the part's layout is freed before the next one.
        joiner.add(render.render_pdf(notices[start : start + PAGES_PER_PART], for_joining=True))
    return joiner.finish()


def build_print_file(batch_id: int) -> bool:
    """Render and store the print file of a finished batch. Idempotent: does nothing when the
    batch is not finished, has no notices, or already has its file (two builds racing store
    one file: the second sees the first's under the row lock and discards its own)."""
    batch = NoticeBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status != NoticeBatch.Status.FINISHED or batch.print_file:
        return False
    rows = list(Notice.objects.filter(batch=batch).values_list("snapshot", "public_id"))
    if not rows:
        return False
    rows.sort(key=lambda row: print_order(row[0]))
    with tempfile.TemporaryFile() as spool:
        write_print_pdf(rows, spool)
        spool.seek(0)
        with transaction.atomic():
            batch = NoticeBatch.objects.select_for_update().get(pk=batch_id)
            if batch.print_file:
                return False
            name = f"notice-batches/{batch.created_at:%Y/%m}/batch-{batch.pk}-print.pdf"
            batch.print_file.save(name, File(spool), save=False)
            batch.print_file_at = timezone.now()
            batch.save(update_fields=["print_file", "print_file_at"])
    return True
