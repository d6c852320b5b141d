"""Writing parsed roster rows in batches, inside the importer's transaction: what every writer
shares (the run's Tally, the batching loop, the columns written) and the employer writer.

Each writer checks everything a constraint would refuse before it writes, so a bad file ends
as row errors and a rollback, never as a database error. Batches are read with one query per
lookup (existing rows, households' 本人, holders of the numbers) and written with bulk
statements; unchanged rows are not written at all. The member writer is in
members.roster.member_writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import reset_queries
from django.utils import timezone

from members.models import Employer
from members.roster.parse import EmployerRow, RowError, RowFailure

BATCH_SIZE = 1000
MAX_STORED_ERRORS = 1000
MAX_STORED_WARNINGS = 1000

# What a 資格情報のお知らせ prints from the record (記号・番号・枝番 are the row's key); the
# 負担割合 only for people aged 70-74, but a change of it always asks for a new notice.
NOTICE_FIELDS = ("name", "name_kana", "birth_date", "acquired_on", "copay_rate")
MEMBER_FIELDS = (
    "employer_id",
    "relation",
    "insured_id",
    "name",
    "name_kana",
    "sex",
    "birth_date",
    "postal_code",
    "address",
    "acquired_on",
    "lost_on",
    "copay_rate",
)
NUMBER_FIELDS = ("mynumber_token", "mynumber_hash", "mynumber_last4", "mynumber_status")
EMPLOYER_FIELDS = ("name", "address", "postal_code")


@dataclass
class Tally:
    """Counts (always exact), the first MAX_STORED_ERRORS errors and the first
    MAX_STORED_WARNINGS warnings of one run. A warning never stops a file from being applied."""

    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    numbers_set: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    file_errors: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    warnings_total: int = 0

    @property
    def has_errors(self) -> bool:
        return bool(self.rejected or self.file_errors)

    def fail(self, errors: Iterable[RowError]) -> None:
        self.rejected += 1
        self._keep(error.as_dict() for error in errors)

    def file_error(self, message: str, line: int | None = None) -> None:
        self.file_errors += 1
        self._keep([{"line": line, "column": "", "message": message}])

    def warn(self, line: int, column: str, message: str) -> None:
        self.warnings_total += 1
        if len(self.warnings) < MAX_STORED_WARNINGS:
            self.warnings.append({"line": line, "column": column, "message": message})

    def _keep(self, errors: Iterable[dict[str, Any]]) -> None:
        for error in errors:
            if len(self.errors) >= MAX_STORED_ERRORS:
                return
            self.errors.append(error)


class RowWriter:
    """The batching loop: rows checked within the file one by one, then flushed in batches.

    `actor` (a user or None) and `ip` (the client's address or None) go into audit events."""

    def __init__(self, tally: Tally, *, actor: Any, ip: str | None, sha256: str) -> None:
        self.tally = tally
        self.actor = actor
        self.ip = ip
        self.sha256 = sha256

    @property
    def batch_size(self) -> int:
        return BATCH_SIZE  # read when used, so that a test can make batches small

    def run(self, rows: Iterator[Any]) -> None:
        batch: list[Any] = []
        for item in rows:
            self.tally.rows_total += 1
            if isinstance(item, RowFailure):
                self.failed(item)
                continue
            errors = self.check_in_file(item)
            if errors:
                self.tally.fail(errors)
                self.failed(item)
                continue
            batch.append(item)
            if len(batch) >= self.batch_size:
                self.flush(batch, final=False)
                batch = []
                if settings.DEBUG:
                    # DEBUG keeps every SQL string, and bulk statements are large: without
                    # this a development import's memory would grow with the file.
                    reset_queries()
        if batch:
            self.flush(batch, final=False)
        self.finish()

    def failed(self, item: Any) -> None:
        if isinstance(item, RowFailure):
            self.tally.fail(item.errors)

    def check_in_file(self, row: Any) -> list[RowError]:
        raise NotImplementedError

    def flush(self, rows: list[Any], *, final: bool) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        pass


class EmployerWriter(RowWriter):
    def __init__(self, tally: Tally, **kwargs: Any) -> None:
        super().__init__(tally, **kwargs)
        self.seen: dict[str, int] = {}

    def check_in_file(self, row: EmployerRow) -> list[RowError]:
        first = self.seen.setdefault(row.kigo, row.line)
        if first != row.line:
            return [RowError(row.line, "記号", f"記号が{first}行目と重複しています。")]
        return []

    def flush(self, rows: list[EmployerRow], *, final: bool) -> None:
        existing = {e.kigo: e for e in Employer.objects.filter(kigo__in=[r.kigo for r in rows])}
        new, changed = [], []
        for row in rows:
            values = {"name": row.name, "address": row.address, "postal_code": row.postal_code}
            current = existing.get(row.kigo)
            if current is None:
                new.append(Employer(kigo=row.kigo, **values))
            elif any(getattr(current, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(current, key, value)
                current.updated_at = timezone.now()
                changed.append(current)
            else:
                self.tally.unchanged += 1
        Employer.objects.bulk_create(new)
        Employer.objects.bulk_update(changed, [*EMPLOYER_FIELDS, "updated_at"])
        self.tally.created += len(new)
        self.tally.updated += len(changed)
