"""What the notice batch tests share: the demo roster on the cut-off day, starting a batch and
running it."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from members.models import Member
from notices import rules
from notices.batches import services as batches
from notices.models import Notice, NoticeBatch
from portal.dev.demo import ensure_insurer, load_demo_roster

CUTOFF = date(2024, 9, 30)


def elderly_without_rate(day: date) -> list[Member]:
    """The demo members aged 70-74 on `day` with no 負担割合 on file (the demo has one)."""
    return [
        person
        for person in Member.objects.filter(copay_rate="")
        if rules.elderly_terms(person.birth_date, day) is not None
    ]


@pytest.fixture
def roster(db):
    """The demo roster, its 70-74 members' rates all imported: these tests are about the
    batches' mechanics (a missing rate fails its item: tests/test_notice_elderly_batches.py)."""
    ensure_insurer()
    load_demo_roster()
    today = timezone.localdate()
    Member.objects.filter(pk__in=[p.pk for p in elderly_without_rate(today)]).update(
        copay_rate="2割"
    )
    return Member.objects.enrolled_on(CUTOFF)


def run_all(batch: NoticeBatch) -> None:
    for chunk in batches.pending_chunks(batch.pk):
        batches.run_chunk(batch.pk, chunk)


def start(**kwargs) -> NoticeBatch:
    options = {"reason": Notice.Reason.INITIAL, "as_of": CUTOFF, "scope": "enrolled"}
    return batches.start_batch(**(options | kwargs))


def chunk_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path="notices.tasks.run_chunk_task"))
