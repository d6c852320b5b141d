"""Bulk issuing with real task workers (`manage.py db_worker` subprocesses on the test
database): two workers on one batch, and a worker killed mid-batch then resumed. Each ends
with exactly one notice per member."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from notices.batches import services as batches
from notices.models import Notice, NoticeBatch, NoticeBatchItem
from portal.dev.demo import ensure_insurer
from tests.factories import make_employer, make_member
from tests.processes import database_url
from tests.processes import stop as _stop

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 60
TIMEOUT = 60


@pytest.fixture
def roster(transactional_db, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(batches, "CHUNK_SIZE", 6)
    ensure_insurer()
    employers = [make_employer("1201"), make_employer("1305", "第二工業")]
    for n in range(MEMBERS):
        make_member(employers[n % 2], bango=str(1000 + n), name="佐藤　一郎")


def _worker_env() -> dict[str, str]:
    """The subprocess sees the test database, the test's media directory and the same keys
    (the test process may have read them from .env, which the worker must not)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PORTAL_DOTENV": "",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "MYNUMBER_KEYS": settings.MYNUMBER_KEYS,
        "MYNUMBER_HMAC_KEY": settings.MYNUMBER_HMAC_KEY,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
    }


def _start_worker(worker_id: str) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "notices",
               "--worker-id", worker_id, "--interval", "0.1", "--no-startup-delay",
               "--no-reload", "--verbosity", "0"]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, env=_worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait_until(condition, workers: list[subprocess.Popen], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        for worker in workers:
            if worker.poll() is not None:
                raise AssertionError(f"a worker exited: {worker.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _finished(batch: NoticeBatch) -> bool:
    return NoticeBatch.objects.filter(pk=batch.pk, status=NoticeBatch.Status.FINISHED).exists()


def _assert_one_notice_per_member(batch: NoticeBatch) -> None:
    per_member = Counter(Notice.objects.filter(batch=batch).values_list("member_id", flat=True))
    assert len(per_member) == MEMBERS and set(per_member.values()) == {1}
    assert Counter(batch.items.values_list("status", flat=True)) == {"done": MEMBERS}
    assert Notice.objects.count() == MEMBERS


def test_two_workers_share_a_batch_and_never_issue_a_notice_twice(roster):
    batch = batches.start_batch(
        reason="initial", as_of=settings.NOTICE_CUTOFF_DATE, scope="enrolled"
    )
    # Every chunk enqueued twice (as a resume during the run would): both workers meet the
    # same items, and only the item lock keeps them apart.
    batches.resume_batches()
    assert DBTaskResult.objects.filter(task_path="notices.tasks.run_chunk_task").count() == 20
    workers = [_start_worker("worker-a"), _start_worker("worker-b")]
    try:
        _wait_until(lambda: _finished(batch), workers, "the batch to finish")
        _wait_until(
            lambda: (
                not DBTaskResult.objects.filter(
                    queue_name="notices", status__in=["READY", "RUNNING"]
                ).exists()
            ),
            workers,
            "the queue to drain",
        )
    finally:
        _stop(*workers)
    _assert_one_notice_per_member(batch)
    chunks = DBTaskResult.objects.filter(task_path="notices.tasks.run_chunk_task")
    assert set(chunks.values_list("status", flat=True)) == {"SUCCESSFUL"}
    issued_by = Counter()
    for result in chunks:
        issued_by[result.worker_ids[0]] += result.return_value["done"]
    # Both did work, and what they issued adds up to one notice per member.
    assert set(issued_by) == {"worker-a", "worker-b"} and all(issued_by.values())
    assert sum(issued_by.values()) == MEMBERS
    assert sum(result.return_value["skipped"] for result in chunks) == MEMBERS
    # One e-mail task per chunk that issued something, left for the "default" queue's workers.
    mails = DBTaskResult.objects.filter(task_path="notices.tasks.notify_households_task")
    assert sorted(pk for task in mails for pk in task.args_kwargs["args"][0]) == sorted(
        Notice.objects.values_list("member_id", flat=True)
    )
    # The drained queue held the print file task, enqueued once by whoever finished the batch.
    batch.refresh_from_db()
    assert batch.print_file


def test_a_killed_worker_leaves_items_pending_and_a_resume_finishes_the_batch(roster):
    batch = batches.start_batch(
        reason="initial", as_of=settings.NOTICE_CUTOFF_DATE, scope="enrolled"
    )
    worker = _start_worker("doomed")
    done = NoticeBatchItem.objects.filter(batch=batch, status="done")
    pending_ids = NoticeBatchItem.objects.filter(batch=batch, status="pending").values_list(
        "pk", flat=True
    )

    def inside_a_chunk() -> bool:
        # Some notices issued, and the worker on a chunk of which nothing is committed yet.
        running = DBTaskResult.objects.filter(status="RUNNING")
        return done.count() >= 8 and any(
            set(task.args_kwargs["args"][1]) <= set(pending_ids) for task in running
        )

    try:
        _wait_until(inside_a_chunk, [worker], "some notices")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    pending = NoticeBatchItem.objects.filter(batch=batch, status="pending")
    assert pending.exists()
    # The killed task stays "running" forever: the backend never recovers it.
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
    # Nothing of the item it was on survived: the transaction rolled back.
    assert Notice.objects.count() == done.count()

    assert batches.resume_batches() > 0
    worker = _start_worker("second")
    try:
        _wait_until(lambda: _finished(batch), [worker], "the batch to finish")
    finally:
        _stop(worker)
    _assert_one_notice_per_member(batch)
