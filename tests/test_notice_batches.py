"""Bulk issuing of 資格情報のお知らせ: batches, chunks, failures, progress and the print file
(the staff pages and commands: test_notice_batch_pages.py). Real task workers (two at once,
one killed) are in test_notice_batch_workers.py."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC as utc
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from members.models import Member
from notices import render, services
from notices.batches import print_file
from notices.batches import services as batches
from notices.batches.pdfjoin import PdfJoiner, PdfJoinError
from notices.models import Notice, NoticeBatch, NoticeBatchItem
from notices.tasks import notify_households_task
from portal.dev.demo import ensure_insurer
from portal.models import AuditEvent
from tests import notice_batch_world
from tests.factories import make_employer, make_member
from tests.notice_batch_world import chunk_tasks as _chunk_tasks
from tests.notice_batch_world import run_all as _run_all
from tests.notice_batch_world import start as _start

# The shared fixture, by name (tests/notice_batch_world.py); conftest gives each test its own
# media directory.
roster = notice_batch_world.roster


def _issue_one(member) -> Notice:
    return services.issue_notice(member, Notice.Reason.INITIAL, now=timezone.now(), notify=False)


# --- issuing --------------------------------------------------------------------------------


def test_a_batch_over_the_demo_roster_issues_one_notice_per_enrolled_member(
    roster, clerk, member, django_capture_on_commit_callbacks
):
    household = Member.objects.get(kigo="1201", bango="1", edaban="00")
    household.account = member
    household.save()
    enrolled = set(roster.values_list("pk", flat=True))
    assert 10 < len(enrolled) < Member.objects.count()  # someone had left by the cut-off

    with django_capture_on_commit_callbacks(execute=True):
        batch = _start(actor=clerk)
    assert batch.total == len(enrolled)
    # Enqueued on commit: chunks covering every item once.
    enqueued = [pk for task in _chunk_tasks() for pk in task.args_kwargs["args"][1]]
    assert sorted(enqueued) == sorted(batch.items.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        _run_all(batch)
    notices = Notice.objects.filter(batch=batch)
    assert Counter(notices.values_list("member_id", flat=True)) == Counter(enrolled)
    assert set(notices.values_list("reason", flat=True)) == {"initial"}
    assert set(notices.values_list("issued_by", flat=True)) == {clerk.pk}
    batch.refresh_from_db()
    assert batch.status == NoticeBatch.Status.FINISHED and batch.finished_at
    assert not batch.items.exclude(status="done").exists()
    assert all(item.notice.member_id == item.member_id for item in batch.items.all())
    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert actions["notice.batch_start"] == 1
    assert actions["notice.issue"] == len(enrolled)
    assert actions["notice.batch_finish"] == 1
    # The e-mails are tasks of their own: one for the linked household (four members), none
    # for households without a login.
    assert not mail.outbox
    for task in DBTaskResult.objects.filter(task_path="notices.tasks.notify_households_task"):
        notify_households_task.call(*task.args_kwargs["args"])
    assert [message.to for message in mail.outbox] == [[member.email]]
    # The print file is enqueued once the last chunk finishes.
    assert DBTaskResult.objects.filter(task_path="notices.tasks.build_print_file_task").count() == 1


def test_a_batch_by_employer_takes_only_that_employers_enrolled_members(roster):
    employer = make_employer("1202")
    batch = _start(scope="employer", employer=employer)
    _run_all(batch)
    expected = set(roster.filter(employer=employer).values_list("pk", flat=True))
    assert expected and set(Notice.objects.values_list("member_id", flat=True)) == expected
    assert batch.total == len(expected)


def test_a_batch_needs_targets_and_a_known_reason(roster):
    with pytest.raises(batches.BatchError, match="事業所を選んでください"):
        _start(scope="employer")
    with pytest.raises(batches.BatchError, match="交付理由"):
        _start(reason="whim")
    with pytest.raises(batches.BatchError, match="対象となる加入者がいません"):
        _start(as_of=date(1950, 1, 1))
    assert not NoticeBatch.objects.exists()


def test_running_a_chunk_twice_issues_nothing_twice(roster):
    batch = _start()
    chunks = list(batches.pending_chunks(batch.pk))
    first = batches.run_chunk(batch.pk, chunks[0])
    again = batches.run_chunk(batch.pk, chunks[0])
    assert len(first.done) == len(chunks[0]) and again.as_dict() == {
        "done": 0,
        "failed": 0,
        "skipped": len(chunks[0]),
    }
    assert Notice.objects.count() == len(chunks[0])
    # A resume enqueues every pending item once more; the duplicates change nothing either.
    batches.resume_batches()
    batches.resume_batches()
    for task in _chunk_tasks():
        batches.run_chunk(*task.args_kwargs["args"])
    assert Counter(Notice.objects.values_list("member_id", flat=True)).most_common(1)[0][1] == 1
    assert Notice.objects.count() == batch.total


def test_the_unique_constraint_is_the_belt_when_an_item_is_reset_by_hand(roster):
    batch = _start()
    _run_all(batch)
    item = batch.items.order_by("pk").first()
    notice = item.notice
    NoticeBatchItem.objects.filter(pk=item.pk).update(status="pending", notice=None)
    NoticeBatch.objects.filter(pk=batch.pk).update(status="running")
    assert len(batches.run_chunk(batch.pk, [item.pk]).done) == 1
    item.refresh_from_db()
    assert item.status == "done" and item.notice == notice
    assert Notice.objects.filter(batch=batch, member=item.member).count() == 1
    assert NoticeBatch.objects.get(pk=batch.pk).status == "finished"


def test_chunks_keep_households_together(roster, monkeypatch):
    monkeypatch.setattr(batches, "CHUNK_SIZE", 3)
    batch = _start()
    chunks = list(batches.pending_chunks(batch.pk))
    households = [
        {(i.member.kigo, i.member.bango) for i in NoticeBatchItem.objects.filter(pk__in=chunk)}
        for chunk in chunks
    ]
    seen: set = set()
    for chunk_households in households:
        assert not chunk_households & seen
        seen |= chunk_households
    assert sorted(pk for chunk in chunks for pk in chunk) == sorted(
        batch.items.values_list("pk", flat=True)
    )


def test_failures_are_recorded_with_reasons_and_the_batch_still_finishes(db):
    ensure_insurer()
    good = make_member(bango="3", name="佐藤　一郎")
    bad = make_member(bango="4", name="佐藤　😀")
    batch = _start()
    _run_all(batch)
    batch.refresh_from_db()
    assert batch.status == NoticeBatch.Status.FINISHED
    failed = batch.items.get(member=bad)
    assert failed.status == "failed" and failed.notice is None
    assert "書体にない文字" in failed.error and "😀" in failed.error
    assert not re.search(r"[0-9]", failed.error)
    assert batch.items.get(member=good).status == "done"
    progress = batches.batch_progress(batch)
    assert (progress.done, progress.failed, progress.pending) == (1, 1, 0)
    assert [item.member for item in progress.failures] == [bad]


def test_an_unforeseen_error_fails_its_item_alone(db, monkeypatch):
    ensure_insurer()
    members = [make_member(bango=str(n), name="佐藤　一郎") for n in range(1, 5)]
    doomed = members[2]
    build = services.build_snapshot

    def broken_for_one(member, *args):
        if member.pk == doomed.pk:
            raise ValueError("something nobody foresaw")
        return build(member, *args)

    monkeypatch.setattr(services, "build_snapshot", broken_for_one)
    batch = _start()
    _run_all(batch)  # one group: it fails, and its items are issued one at a time
    statuses = dict(batch.items.values_list("member_id", "status"))
    assert statuses == {m.pk: "failed" if m == doomed else "done" for m in members}
    assert "予期しないエラー" in batch.items.get(member=doomed).error
    assert Notice.objects.filter(batch=batch).count() == 3


def test_a_group_of_items_takes_a_handful_of_statements(db, django_assert_max_num_queries):
    ensure_insurer()
    for n in range(1, 11):
        insured = make_member(bango=str(n))
        _issue_one(insured)  # each has a current notice to supersede
    batch = _start(reason=Notice.Reason.REISSUE)
    (chunk,) = batches.pending_chunks(batch.pk)
    assert len(chunk) == batches.ITEMS_PER_TRANSACTION == 10
    # The batch and insurer; for the group: begin, lock the items, lock the members, versions,
    # insert, supersede, audit, update the items, commit (12, whatever the group's size); then
    # the e-mail task and the batch's end (7). Issued one by one, it would take over 100.
    with django_assert_max_num_queries(22):
        batches.run_chunk(batch.pk, chunk)
    assert Notice.objects.filter(batch=batch).count() == 10
    assert Notice.objects.filter(superseded_by__batch=batch).count() == 10


def test_without_insurer_data_every_item_fails_with_that_reason(db):
    make_member(bango="3")
    batch = _start()
    _run_all(batch)
    item = batch.items.get()
    assert item.status == "failed" and "保険者情報が登録されていません" in item.error


def test_progress_counts_rate_and_time_left(db):
    ensure_insurer()
    members = [make_member(bango=str(n)) for n in range(1, 11)]
    batch = _start()
    start = datetime(2024, 10, 1, 9, 0, tzinfo=utc)
    items = list(batch.items.order_by("pk"))
    for n, item in enumerate(items[:5]):
        item.status = "done" if n else "failed"
        item.finished_at = start + timedelta(seconds=2 * n)
        item.save()
    progress = batches.batch_progress(batch, now=start + timedelta(seconds=10))
    assert (progress.total, progress.done, progress.failed, progress.pending) == (10, 4, 1, 5)
    assert progress.processed == 5 and progress.percent == 50
    # Four more after the first, in ten seconds: 0.4 a second; five pending take 12.5 s.
    assert progress.rate == pytest.approx(0.4)
    assert progress.eta == timedelta(seconds=12) and progress.eta_label == "約12秒"
    assert len(members) == 10


# --- the print file -------------------------------------------------------------------------


def test_the_print_file_holds_every_notice_sorted_by_employer_and_number(db, monkeypatch):
    monkeypatch.setattr(print_file, "PAGES_PER_PART", 4)  # two parts, joined
    ensure_insurer()
    second, first = make_employer("1305", "第二工業"), make_employer("1201")
    # Created out of order, numbers that sort differently as text (10 before 2).
    for employer, bango in [(second, "2"), (first, "10"), (first, "2"), (second, "1")]:
        insured = make_member(employer, bango=bango, name="佐藤　一郎")
        if bango == "2":
            make_member(insured=insured, edaban="01", relation="子", name="佐藤　次郎")
    batch = _start()
    _run_all(batch)
    batch.refresh_from_db()
    assert not batch.print_file
    assert print_file.build_print_file(batch.pk)
    assert not print_file.build_print_file(batch.pk)  # idempotent: the file stays
    batch.refresh_from_db()
    reader = PdfReader(batch.print_file.path)
    assert len(reader.pages) == Notice.objects.filter(batch=batch).count() == 6
    order = [
        re.search(r"(\d+)-(\d+)\W枝番 (\d+)", page.extract_text()).groups() for page in reader.pages
    ]
    assert order == [
        ("1201", "2", "00"),
        ("1201", "2", "01"),
        ("1201", "10", "00"),
        ("1305", "1", "00"),
        ("1305", "2", "00"),
        ("1305", "2", "01"),
    ]


def test_joined_parts_keep_their_pages_fonts_and_text(monkeypatch):
    monkeypatch.setattr(print_file, "PAGES_PER_PART", 2)
    snapshot = {
        "kigo": "1201", "bango": "1", "edaban": "00", "insured_kind": "本人(被保険者)",
        "name": "髙橋　𠮷男", "name_kana": "タカハシ　ヨシオ", "birth_date": "1985-04-01",
        "acquired_on": "2010-04-01", "insurer_number": "06139992", "insurer_name": "健保",
        "business_phone": "03-0000-0000", "helpdesk_phone": "03-0000-0001", "last4": "",
        "digits_reason": "no_number", "digits_message": "", "issued_on": "2024-10-01",
    }  # fmt: skip
    # A stored notice has object streams: the joiner refuses it, never guesses.
    with pytest.raises(PdfJoinError):
        PdfJoiner(io.BytesIO()).add(render.render_pdf([(snapshot, "0" * 32)]))
    notices = [(snapshot | {"bango": str(n)}, f"{n:032d}") for n in range(3)]
    target = io.BytesIO()
    assert print_file.write_print_pdf(notices, target) == 3
    reader = PdfReader(io.BytesIO(target.getvalue()), strict=True)
    texts = [page.extract_text() for page in reader.pages]
    assert [re.search(r"1201-(\d+)\(枝番", t).group(1) for t in texts] == ["0", "1", "2"]
    assert all("髙橋　𠮷男" in text for text in texts)


def test_no_print_file_before_the_batch_is_finished(roster):
    batch = _start()
    chunk = next(batches.pending_chunks(batch.pk, size=2))
    batches.run_chunk(batch.pk, chunk)
    assert not print_file.build_print_file(batch.pk)
