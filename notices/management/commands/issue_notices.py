"""manage.py issue_notices --reason initial --as-of 2024-09-30 [--employer KIGO] [--wait]

The elderly batches: --reason elderly_start --as-of the 発効期日 (a 1st), started in the month
before it; --reason elderly_renewal --as-of YYYY-08-01, once the new rates are imported."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from members.dates import parse_roster_date
from members.models import Employer
from members.validators import RosterValueError
from notices.batches import print_file
from notices.batches import services as batches
from notices.models import Notice, NoticeBatch


class Command(BaseCommand):
    help = (
        "Start a bulk issue of 資格情報のお知らせ: every member enrolled on the date, or those of "
        "one employer. Task workers (db_worker --queue-name notices) run it, or --wait runs "
        "it in this process and prints the progress."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reason", required=True, help=", ".join(Notice.Reason.values))
        parser.add_argument("--as-of", required=True, help="基準日, e.g. 2024-09-30")
        parser.add_argument("--employer", metavar="KIGO", help="only this employer's members")
        parser.add_argument(
            "--wait", action="store_true", help="run the chunks here instead of in workers"
        )

    def handle(self, *args: Any, reason: str, as_of: str, employer: str | None, wait: bool,
               **options: Any) -> None:  # fmt: skip
        if reason not in Notice.Reason.values:
            raise CommandError(f"--reason は次のいずれかです: {', '.join(Notice.Reason.values)}")
        try:
            day = parse_roster_date(as_of)
        except RosterValueError as error:
            raise CommandError(f"--as-of: {error.message}") from None
        company = None
        if employer is not None:
            company = Employer.objects.filter(kigo=employer.strip()).first()
            if company is None:
                raise CommandError(f"--employer: 記号 {employer} の事業所がありません。")
        try:
            batch = batches.start_batch(
                reason=reason,
                as_of=day,
                scope=NoticeBatch.Scope.EMPLOYER if company else NoticeBatch.Scope.ENROLLED,
                employer=company,
                enqueue=not wait,
            )
        except batches.BatchError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"一括交付 {batch.pk} を開始しました(対象 {batch.total}人)。")
        if wait:
            self._run(batch)
        else:
            self.stdout.write("タスクワーカー(db_worker --queue-name notices)が処理します。")

    def _run(self, batch: NoticeBatch) -> None:
        started = time.monotonic()
        for chunk in batches.pending_chunks(batch.pk):
            batches.run_chunk(batch.pk, chunk)
            progress = batches.batch_progress(batch)
            rate = progress.processed / (time.monotonic() - started)
            self.stdout.write(
                f"{progress.processed}/{progress.total} 交付済={progress.done} "
                f"失敗={progress.failed} {rate:.1f}件/秒"
            )
        batch.refresh_from_db()
        if print_file.build_print_file(batch.pk):
            batch.refresh_from_db()
            self.stdout.write(f"印刷用PDF: {batch.print_file.name}")
        progress = batches.batch_progress(batch)
        for item in progress.failures:
            self.stderr.write(f"失敗: {item.member} {item.error}")
        self.stdout.write(f"完了: 交付済={progress.done} 失敗={progress.failed}")
