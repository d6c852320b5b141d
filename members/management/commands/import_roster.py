"""manage.py import_roster FILE [FILE...]: employers first, then members; stops at a rejection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from members.keys import GROUP
from members.models import RosterImport
from members.roster.importer import import_roster
from members.roster.writers import MAX_STORED_ERRORS, MAX_STORED_WARNINGS
from portal.keys import core as keys


class Command(BaseCommand):
    help = (
        "Import roster CSV files (employers or members, told by the header) in the order given. "
        "Each file is applied whole or not at all; a rejected file stops the command."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        # Keys that do not match the data would hash and seal under the wrong key: refuse
        # before the first file (finding 11), naming the key and what to do.
        keys.require(GROUP)
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: ファイルが見つかりません。")
            with path.open("rb") as stream:
                run = import_roster(stream, file_name=path.name, via="command")
            self.stdout.write(
                f"{path.name}: {run.get_kind_display() or '不明'} {run.get_outcome_display()} "
                f"行数={run.rows_total} 新規={run.created} 更新={run.updated} "
                f"変更なし={run.unchanged} エラー行={run.rejected} (取込番号 {run.pk})"
            )
            for warning in run.warnings:
                self.stdout.write(
                    f"{path.name}:{warning['line']}: 警告 [{warning['column'] or '-'}] "
                    f"{warning['message']}"
                )
            if len(run.warnings) >= MAX_STORED_WARNINGS:
                self.stdout.write(f"（警告は先頭{MAX_STORED_WARNINGS}件のみ表示しています）")
            if run.outcome == RosterImport.Outcome.REJECTED:
                for error in run.errors:
                    line = error["line"] if error["line"] is not None else "-"
                    column = error["column"] or "-"
                    self.stderr.write(f"{path.name}:{line}: [{column}] {error['message']}")
                if len(run.errors) >= MAX_STORED_ERRORS:
                    self.stderr.write(f"（エラーは先頭{MAX_STORED_ERRORS}件のみ表示しています）")
                raise CommandError(f"{path.name} は取り込まれませんでした（変更なし）。")
