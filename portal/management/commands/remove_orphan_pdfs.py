"""manage.py remove_orphan_pdfs: remove stored PDFs that no record points to.

Safe to run at any time (a cron job, daily): files younger than --grace-minutes are left,
as their record's transaction may still be open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from portal.orphan_files import GRACE, remove_orphans


class Command(BaseCommand):
    help = "Remove stored PDFs (notices, print files, certificates) that no record points to."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=int(GRACE.total_seconds() // 60),
            help="leave files younger than this (default: %(default)s)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["grace_minutes"] < 1:
            self.stderr.write("--grace-minutes は1以上を指定してください。")
            raise SystemExit(2)
        orphans = remove_orphans(
            now=timezone.now(),
            grace=timedelta(minutes=options["grace_minutes"]),
            dry_run=options["dry_run"],
        )
        for name in orphans.names:
            self.stdout.write(name)
        verb = "見つかりました(削除していません)" if options["dry_run"] else "削除しました"
        self.stdout.write(f"記録のないPDF: {len(orphans.names)}件{verb}。")
        if orphans.kept_young:
            self.stdout.write(f"作成から間もないため残したファイル: {orphans.kept_young}件")
