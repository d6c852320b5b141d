"""A worker outlives a database restart: the chunk it was on when its connection was cut is
worked again once the database answers, so the batch finishes without anyone resuming it, and
still with exactly one notice per member (the soak test's finding, docs/RELIABILITY.md)."""

from __future__ import annotations

from collections import Counter

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection

from notices import tasks
from notices.batches import print_file
from notices.batches import services as batches
from notices.models import Notice, NoticeBatch
from portal.batching import engine
from tests.test_notice_batch_workers import MEMBERS, roster  # noqa: F401 (the fixture)


def _cut_once(monkeypatch, owner, name: str) -> list[int]:
    """The first call of owner.name has its own database connection terminated under it, as
    a restart does; returns the list of backends cut (one)."""
    cut: list[int] = []
    original = getattr(owner, name)

    def once_cut(*args, **kwargs):
        if not cut:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            db = connection.settings_dict
            with psycopg.connect(
                host=db["HOST"], port=db["PORT"] or 5432, dbname=db["NAME"],
                user=db["USER"], password=db["PASSWORD"], autocommit=True,
            ) as other:  # fmt: skip
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
            cut.append(pid)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, once_cut)
    return cut


def _cut_the_connection_on_first_process(monkeypatch) -> list[int]:
    return _cut_once(monkeypatch, batches.KIND, "process")


def _start() -> NoticeBatch:
    return batches.start_batch(
        reason="initial", as_of=settings.NOTICE_CUTOFF_DATE, scope="enrolled"
    )


def test_a_chunk_cut_off_from_the_database_is_worked_again_once_it_answers(
    roster,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(batches.KIND, "reconnect_delays", (0, 0))
    batch = _start()
    cut = _cut_the_connection_on_first_process(monkeypatch)
    for chunk in list(batches.pending_chunks(batch.pk)):  # as the queued tasks hold them
        batches.run_chunk(batch.pk, chunk)
    assert len(cut) == 1  # the connection really was cut
    batch.refresh_from_db()
    assert batch.status == NoticeBatch.Status.FINISHED
    per_member = Counter(Notice.objects.filter(batch=batch).values_list("member_id", flat=True))
    assert len(per_member) == MEMBERS and set(per_member.values()) == {1}


def test_without_reconnecting_the_chunk_fails_and_its_items_wait_for_a_resume(
    roster,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(batches.KIND, "reconnect_delays", ())
    batch = _start()
    _cut_the_connection_on_first_process(monkeypatch)
    first, *_ = list(batches.pending_chunks(batch.pk))
    with pytest.raises(OperationalError):
        batches.run_chunk(batch.pk, first)
    connection.close()
    assert batch.items.filter(status="pending").count() == MEMBERS
    assert not Notice.objects.exists()


def test_the_print_file_is_built_again_once_the_database_answers(
    roster,  # noqa: F811
    monkeypatch,
):
    batch = _start()
    for chunk in list(batches.pending_chunks(batch.pk)):
        batches.run_chunk(batch.pk, chunk)
    monkeypatch.setattr(engine, "RECONNECT_DELAYS", (0, 0))
    # Cut while the notices are read for the file, after the batch row was read.
    cut = _cut_once(monkeypatch, print_file, "print_order")
    assert tasks.build_print_file_task.call(batch.pk) is True
    assert len(cut) == 1
    batch.refresh_from_db()
    assert batch.print_file and batch.print_file_at
