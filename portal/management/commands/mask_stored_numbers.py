"""manage.py mask_stored_numbers: find (and with --apply, mask) full My Numbers that free text
stored before the refusal existed. Prints tables, pks and field names, never a value."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.management import stored_numbers


class Command(BaseCommand):
    help = (
        "Report the rows whose free text holds twelve digits (a full My Number), per table and "
        "column; with --apply, replace each run with asterisks in one transaction, one audit "
        "event per row. Sealed columns (audit log, issued notices and certificates) are "
        "reported only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--apply", action="store_true", help="mask the runs found (default: report only)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        findings = stored_numbers.find()
        total = 0
        for finding in findings:
            column = finding.column
            if not finding.pks:
                continue
            total += len(finding.pks)
            sealed = "(変更不可: 報告のみ)" if column.sealed else ""
            self.stdout.write(f"{column.key}: {len(finding.pks)}件{sealed}")
            for pk in finding.pks:
                self.stdout.write(f"  {column.model} pk={pk} {column.name}")
        if total == 0:
            self.stdout.write("12桁の数字を含む記録はありません。")
            return
        if not options["apply"]:
            self.stdout.write(f"合計 {total}件(変更していません。伏せ字にするには --apply)。")
            return
        masked = stored_numbers.apply()
        for row in masked:
            self.stdout.write(f"伏せ字にしました: {row.model} pk={row.pk} {', '.join(row.fields)}")
        self.stdout.write(f"{len(masked)}行を伏せ字にし、監査ログに記録しました。")
