"""What the notice batch tests share: the demo roster on the cut-off day, starting a batch and
running it."""

from __future__ import annotations

from datetime import date

import pytest
from django_tasks_db.models import DBTaskResult

from members.models import Member
from notices.batches import services as batches
from notices.models import Notice, NoticeBatch
from portal.dev.demo import ensure_insurer, load_demo_roster

CUTOFF = date(2024, 9, 30)


@pytest.fixture
def roster(db):
    ensure_insurer()
    load_demo_roster()
    return Member.objects.enrolled_on(CUTOFF)


def run_all(batch: NoticeBatch) -> None:
    for chunk in batches.pending_chunks(batch.pk):
        batches.run_chunk(batch.pk, chunk)


def start(**kwargs) -> NoticeBatch:
    options = {"reason": Notice.Reason.INITIAL, "as_of": CUTOFF, "scope": "enrolled"}
    return batches.start_batch(**(options | kwargs))


def chunk_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path="notices.tasks.run_chunk_task"))
