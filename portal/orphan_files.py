"""Stored PDFs that no record points to, and their removal.

Issuing writes the PDF before the record's transaction commits (the file must exist when the
record does). When the transaction rolls back after the write (a worker killed mid-notice,
a database error), the file stays behind with no record: never shown to anyone, since every
download goes through a record, but still personal data on disk. `manage.py
remove_orphan_pdfs` finds and removes them. Files younger than a grace period are left alone:
they may belong to a transaction that has not committed yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.core.files.storage import Storage, default_storage

from portal import audit

# Where each kind of stored PDF lives, and the record field that points to it.
STORED_PDFS = (
    ("notices/", "notices.Notice", "pdf"),
    ("notice-batches/", "notices.NoticeBatch", "print_file"),
    ("certificates/", "eligibility.EligibilityCertificate", "pdf"),
)
GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Orphans:
    names: list[str]
    kept_young: int  # orphans inside the grace period, left for a later run


def _walk(storage: Storage, directory: str) -> Iterator[str]:
    # No exists() first: on an object store a "directory" is only a key prefix, never an
    # object, so it would not exist; listing a missing prefix is empty there, an error here.
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield directory + name
    for sub in directories:
        yield from _walk(storage, f"{directory}{sub}/")


def find_orphans(*, now: datetime, grace: timedelta = GRACE) -> Orphans:
    storage = default_storage
    names: list[str] = []
    young = 0
    for prefix, label, field in STORED_PDFS:
        model = apps.get_model(label)
        referenced = set(
            model.objects.exclude(**{field: ""}).values_list(field, flat=True).iterator()
        )
        for name in _walk(storage, prefix):
            if name in referenced:
                continue
            if storage.get_modified_time(name) > now - grace:
                young += 1
            else:
                names.append(name)
    return Orphans(sorted(names), young)


def remove_orphans(*, now: datetime, grace: timedelta = GRACE, dry_run: bool = False) -> Orphans:
    orphans = find_orphans(now=now, grace=grace)
    if dry_run or not orphans.names:
        return orphans
    for name in orphans.names:
        default_storage.delete(name)
    audit.record(
        "storage.orphans_removed",
        detail={"count": len(orphans.names), "files": orphans.names[:100]},
    )
    return orphans
