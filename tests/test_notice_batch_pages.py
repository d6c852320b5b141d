"""Bulk issuing of 資格情報のお知らせ: the staff pages and the commands (the engine itself is in
test_notice_batches.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from notices.batches import print_file
from notices.batches import services as batches
from notices.batches.forms import parse_member_lines
from notices.models import Notice, NoticeBatch
from portal.dev.demo import ensure_insurer
from portal.models import AuditEvent
from tests import notice_batch_world
from tests.factories import make_member
from tests.notice_batch_world import chunk_tasks as _chunk_tasks
from tests.notice_batch_world import run_all as _run_all
from tests.notice_batch_world import start as _start

# The shared fixture, by name (tests/notice_batch_world.py); conftest gives each test its own
# media directory.
roster = notice_batch_world.roster


# --- staff pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clerk", "supervisor"])
def test_staff_start_a_batch_and_follow_it(client, roster, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(reverse("notices:batches"))
    assert page.status_code == 200
    assert 'value="2024-09-30"' in page.content.decode()
    response = client.post(
        reverse("notices:batches"),
        {"reason": "initial", "as_of": "令和6年9月30日", "scope": "enrolled"},
    )
    batch = NoticeBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "notices:batch_detail", args=[batch.pk]
    )
    assert batch.created_by == user and batch.total == roster.count()
    detail = client.get(reverse("notices:batch_detail", args=[batch.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in detail
    assert f"0 / {batch.total}人" in detail and "再開" in detail
    _run_all(batch)
    detail = client.get(reverse("notices:batch_detail", args=[batch.pk])).content.decode()
    assert "http-equiv" not in detail and f"{batch.total} / {batch.total}人" in detail
    assert "印刷用PDFを作成しています" in detail
    print_file.build_print_file(batch.pk)
    detail = client.get(reverse("notices:batch_detail", args=[batch.pk])).content.decode()
    assert reverse("notices:batch_print", args=[batch.pk]) in detail
    download = client.get(reverse("notices:batch_print", args=[batch.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages) == batch.total
    event = AuditEvent.objects.get(action="notice.batch_print_download")
    assert event.actor == user and event.target_id == str(batch.pk)


def test_staff_start_a_batch_for_a_list_of_members(client, clerk, roster):
    client.force_login(clerk)
    response = client.post(
        reverse("notices:batches"),
        {
            "reason": "reissue",
            "as_of": "2024-09-30",
            "scope": "members",
            "members": "1201-1-00\n\n１２０１－１－１\n1202・101・00\n1201-1-00\n",
        },
    )
    assert response.status_code == 302
    batch = NoticeBatch.objects.get()
    keys = {(i.member.kigo, i.member.bango, i.member.edaban) for i in batch.items.all()}
    assert keys == {("1201", "1", "00"), ("1201", "1", "01"), ("1202", "101", "00")}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ("", "加入者を1行に1人ずつ入力してください"),
        ("1201-1-00\n1201-1", "2行目: 「記号-番号-枝番」の形で入力してください"),
        ("1201-1-00\nabc-1-00", "2行目: 記号は8桁以内の数字で入力してください"),
        ("1201-99-00", "1201・99・00: 該当する加入者がいません"),
    ],
)
def test_a_bad_member_list_starts_nothing(client, clerk, roster, members, message):
    client.force_login(clerk)
    response = client.post(
        reverse("notices:batches"),
        {"reason": "reissue", "as_of": "2024-09-30", "scope": "members", "members": members},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NoticeBatch.objects.exists() and not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scope": "employer"}, "事業所を選んでください"),
        ({"as_of": "2024-13-40"}, "日付として正しくありません"),
        ({"as_of": "1950-01-01"}, "対象となる加入者がいません"),
        ({"reason": "whim"}, "正しく選択してください"),
    ],
)
def test_a_bad_form_starts_nothing(client, clerk, roster, data, message):
    client.force_login(clerk)
    form = {"reason": "initial", "as_of": "2024-09-30", "scope": "enrolled"} | data
    response = client.post(reverse("notices:batches"), form)
    assert response.status_code == 200 and message in response.content.decode()
    assert not NoticeBatch.objects.exists()


def test_parse_member_lines_table():
    cases = [
        ("1201-15-00", [("1201", "15", "00")], []),
        ("1201 15 1", [("1201", "15", "01")], []),
        ("１２０１－１５－００", [("1201", "15", "00")], []),
        ("1201−15−00\n1201-15-00", [("1201", "15", "00")], []),
        ("1201-15", [], [1]),
        ("1201-15-000", [], [1]),
        ("\n\n1201-x-00", [], [3]),
    ]
    for text, keys, error_lines in cases:
        parsed, errors = parse_member_lines(text)
        assert parsed == keys, text
        assert [error.line for error in errors] == error_lines, text


def test_the_resume_button_enqueues_the_pending_items(client, clerk, roster):
    batch = _start()
    DBTaskResult.objects.all().delete()
    client.force_login(clerk)
    response = client.post(reverse("notices:batch_resume", args=[batch.pk]))
    assert response.status_code == 302
    assert sum(len(t.args_kwargs["args"][1]) for t in _chunk_tasks()) == batch.total
    assert AuditEvent.objects.filter(action="notice.batch_resume", actor=clerk).count() == 1


def test_the_print_link_before_the_file_exists_goes_back_to_the_batch(client, clerk, roster):
    batch = _start()
    client.force_login(clerk)
    response = client.get(reverse("notices:batch_print", args=[batch.pk]), follow=True)
    assert "印刷用PDFはまだできていません" in response.content.decode()
    assert not AuditEvent.objects.filter(action="notice.batch_print_download").exists()


def test_failures_on_the_batch_page_are_audited(client, clerk, db):
    ensure_insurer()
    make_member(bango="4", name="佐藤　😀")
    batch = _start()
    _run_all(batch)
    client.force_login(clerk)
    page = client.get(reverse("notices:batch_detail", args=[batch.pk])).content.decode()
    assert "失敗した加入者" in page and "書体にない文字" in page
    assert AuditEvent.objects.filter(action="notice.batch_view", actor=clerk).exists()


@pytest.mark.parametrize("role", ["member", "employer_user", "auditor"])
def test_other_roles_get_the_wrong_account_page(client, roster, role, request):
    batch = _start()
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("notices:batches")).status_code == 403
    assert client.post(reverse("notices:batches"), {"scope": "enrolled"}).status_code == 403
    assert client.get(reverse("notices:batch_detail", args=[batch.pk])).status_code == 403
    assert client.post(reverse("notices:batch_resume", args=[batch.pk])).status_code == 403
    assert client.get(reverse("notices:batch_print", args=[batch.pk])).status_code == 403
    assert NoticeBatch.objects.count() == 1


def test_anonymous_visitors_are_sent_to_login(client, roster):
    batch = _start()
    for url in [
        reverse("notices:batches"),
        reverse("notices:batch_detail", args=[batch.pk]),
        reverse("notices:batch_print", args=[batch.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_staff_home_links_to_the_batches(client, clerk):
    client.force_login(clerk)
    assert reverse("notices:batches") in client.get(reverse("staff_home")).content.decode()


# --- commands -------------------------------------------------------------------------------


def test_issue_notices_wait_runs_the_batch_and_makes_the_print_file(roster):
    out = io.StringIO()
    call_command(
        "issue_notices", "--reason", "initial", "--as-of", "2024-09-30", "--wait", stdout=out
    )
    batch = NoticeBatch.objects.get()
    assert batch.status == NoticeBatch.Status.FINISHED and batch.print_file
    assert Notice.objects.filter(batch=batch).count() == roster.count()
    assert f"完了: 交付済={roster.count()} 失敗=0" in out.getvalue()
    assert not _chunk_tasks()  # run here, nothing left for workers


def test_issue_notices_for_an_employer_enqueues_chunks(roster, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_notices", "--reason=initial", "--as-of=R6.9.30", "--employer=1305",
                     stdout=io.StringIO())  # fmt: skip
    batch = NoticeBatch.objects.get()
    assert batch.employer.kigo == "1305" and batch.total == roster.filter(kigo="1305").count()
    assert batch.items.filter(status="pending").count() == batch.total
    assert sum(len(t.args_kwargs["args"][1]) for t in _chunk_tasks()) == batch.total


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--reason=whim", "--as-of=2024-09-30"], "--reason"),
        (["--reason=initial", "--as-of=yesterday"], "--as-of"),
        (["--reason=initial", "--as-of=2024-09-30", "--employer=9999"], "9999"),
        (["--reason=initial", "--as-of=1950-01-01"], "対象となる加入者がいません"),
    ],
)
def test_issue_notices_refuses_bad_arguments(roster, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("issue_notices", *arguments, stdout=io.StringIO())
    assert not NoticeBatch.objects.exists()


def test_resume_notice_batches_finishes_a_batch_whose_last_worker_died(
    roster, django_capture_on_commit_callbacks
):
    batch = _start()
    _run_all(batch)
    # As if the worker died between its last item and marking the batch finished.
    NoticeBatch.objects.filter(pk=batch.pk).update(status="running", finished_at=None)
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_notice_batches", stdout=io.StringIO())
    batch.refresh_from_db()
    assert batch.status == NoticeBatch.Status.FINISHED and not _chunk_tasks()
    assert DBTaskResult.objects.filter(task_path="notices.tasks.build_print_file_task").exists()
    # Once the print file exists, resuming has nothing left to do.
    print_file.build_print_file(batch.pk)
    assert batches.resume_batches() == 0
    assert DBTaskResult.objects.count() == 1
