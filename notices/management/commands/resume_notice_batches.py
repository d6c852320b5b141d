"""manage.py resume_notice_batches: enqueue what unfinished notice batches still have pending.

Run before starting workers (make run does): a worker killed mid-chunk leaves its task marked
running forever, and its items pending. Any number of runs are safe."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notices.batches.services import resume_batches


class Command(BaseCommand):
    help = "Re-enqueue the pending items of unfinished notice batches (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        chunks = resume_batches()
        if chunks:
            self.stdout.write(f"お知らせの一括交付: {chunks}件の処理単位を再登録しました。")
