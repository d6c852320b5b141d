"""Roster import: a whole CSV file is applied in one transaction, or nothing of it is.

One pass hashes the bytes and decides the encoding (members.roster.parse.scan); a second
streams the rows through csv in batches (members.roster.writers, .member_writer), each batch
read with one query per kind of lookup and written with bulk statements. Only small per-row sets
stay in memory (keys and number hashes seen), so 100,000 rows take roughly the memory of 1,000
plus those sets. Every run leaves a RosterImport row and a `roster.import` audit event, applied
or rejected alike: an applied run's are written in its transaction, so they commit with its
changes or not at all; a rejected run changed nothing, so its are written after the rollback.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from members.models import RosterImport
from members.roster import parse as roster
from members.roster.member_writer import MemberWriter
from members.roster.writers import EmployerWriter, Tally
from portal import audit
from portal.models import AuditEvent, mask_full_numbers

logger = logging.getLogger(__name__)

# Any two imports run one after the other: both read what the other may be writing.
_LOCK_KEY = 0x6B656E706F_01  # "kenpo" + 1
_SPOOL_BYTES = 8 * 1024 * 1024
_CONFLICT = "他の処理と同時に実行されたため取り込めませんでした。もう一度実行してください。"


class _Rollback(Exception):
    """Raised inside the transaction when any row was bad: nothing of the file stays."""


@dataclass(frozen=True, slots=True)
class _Run:
    """What a run is told before it reads a row: for its RosterImport row and audit events."""

    started: datetime
    file_name: str
    via: str
    actor: Any  # an authenticated user, or None
    ip: str | None


def import_roster(
    file: IO[bytes],
    *,
    file_name: str,
    actor: Any = None,
    ip: str | None = None,
    via: str = "command",
) -> RosterImport:
    """Import one roster CSV (members or employers, told by its header). Never raises for bad
    input: the returned run says whether the file was applied or rejected, and why.

    `actor` is the user who started the run (None for the command), `ip` the client's address."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    job = _Run(timezone.now(), file_name, via, actor, ip)
    stream = _seekable(file)
    stream.seek(0)
    facts = roster.scan(stream)
    tally = Tally()
    kind = ""
    run = None
    if facts.error or facts.encoding is None:
        tally.file_error(facts.error or roster.UNREADABLE)
    else:
        stream.seek(0)
        kind, run = _apply(stream, facts, tally, job)
    if run is None:
        run = _record(job, kind, facts, tally)
    logger.info(
        "roster import %s kind=%s outcome=%s rows=%d created=%d updated=%d unchanged=%d "
        "rejected=%d warnings=%d",
        run.pk,
        kind or "-",
        run.outcome,
        run.rows_total,
        run.created,
        run.updated,
        run.unchanged,
        run.rejected,
        len(run.warnings),
    )
    return run


def _apply(
    stream: IO[bytes], facts: roster.Scan, tally: Tally, job: _Run
) -> tuple[str, RosterImport | None]:
    """Read and write the rows in one transaction; roll it back if anything was wrong.

    Returns the file's kind and, when applied, its run (recorded in the transaction)."""
    try:
        reader = roster.RosterReader(stream, facts.encoding or "utf-8")
    except roster.RosterFileError as error:
        tally.file_error(error.message, error.line)
        return "", None
    writer_class = MemberWriter if reader.kind == roster.KIND_MEMBERS else EmployerWriter
    run = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            writer = writer_class(tally, actor=job.actor, ip=job.ip, sha256=facts.sha256)
            writer.run(reader.rows())
            if tally.rows_total == 0 and not tally.has_errors:
                tally.file_error(roster.HEADER_ONLY, 1)
            if tally.has_errors:
                raise _Rollback
            run = _record(job, reader.kind, facts, tally)
    except _Rollback:
        pass
    except roster.RosterFileError as error:
        tally.file_error(error.message, error.line)
    except IntegrityError:
        # Only a concurrent change outside the import (a number registered by staff in the
        # same second) can get here: every constraint is checked before writing.
        logger.warning("roster import hit a concurrent change; rolled back")
        tally.file_error(_CONFLICT)
        run = None  # rolled back with the rest, if it had been written
    finally:
        reader.close()
    return reader.kind, run


def _record(job: _Run, kind: str, facts: roster.Scan, tally: Tally) -> RosterImport:
    """The run's RosterImport row and its `roster.import` audit event."""
    applied = not tally.has_errors
    run = RosterImport.objects.create(
        kind=kind,
        file_name=safe_file_name(job.file_name),
        sha256=facts.sha256,
        size_bytes=facts.size,
        encoding=facts.encoding or "",
        via=job.via,
        started_by=job.actor if isinstance(job.actor, AbstractBaseUser) else None,
        finished_at=timezone.now(),
        outcome=RosterImport.Outcome.APPLIED if applied else RosterImport.Outcome.REJECTED,
        rows_total=tally.rows_total,
        # A rejected file changed nothing, so it created, updated and kept nothing either.
        created=tally.created if applied else 0,
        updated=tally.updated if applied else 0,
        unchanged=tally.unchanged if applied else 0,
        rejected=tally.rejected,
        errors=sorted(tally.errors, key=lambda error: error["line"] or 0),
        warnings=sorted(tally.warnings, key=lambda warning: warning["line"]),
    )
    # started_at is auto_now_add; the run's real start is when the file was first read.
    RosterImport.objects.filter(pk=run.pk).update(started_at=job.started)
    run.started_at = job.started
    audit.record(
        "roster.import",
        actor=job.actor,
        ip=job.ip,
        target=run,
        target_label=f"{run.get_kind_display() or '不明なファイル'} {run.file_name}"[:120],
        outcome=AuditEvent.Outcome.SUCCESS if applied else AuditEvent.Outcome.FAILURE,
        detail={
            "kind": kind,
            "outcome": run.outcome,
            "via": job.via,
            "file_name": run.file_name,
            # Grouped so that no run of hex digits can look like a My Number to the guard.
            "sha256": ":".join(facts.sha256[i : i + 8] for i in range(0, 64, 8)),
            "size_bytes": facts.size,
            "encoding": facts.encoding or "",
            "rows_total": tally.rows_total,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": tally.rejected,
            "warnings": tally.warnings_total,
            "numbers_set": tally.numbers_set if applied else 0,
        },
    )
    return run


def safe_file_name(name: str) -> str:
    """The base name, without anything shaped like a full My Number, at most 255 characters."""
    base = re.split(r"[\\/]", str(name or ""))[-1].strip() or "(名前なし)"
    base = mask_full_numbers(base)
    return base[:255]


def _seekable(file: Any) -> IO[bytes]:
    # Django's File objects wrap the real stream; TextIOWrapper wants an io object.
    while not isinstance(file, io.IOBase) and hasattr(file, "file"):
        file = file.file
    if isinstance(file, io.IOBase) and file.seekable() and hasattr(file, "read1"):
        return file
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    shutil.copyfileobj(file, spool)
    spool.seek(0)
    return spool  # type: ignore[return-value]
