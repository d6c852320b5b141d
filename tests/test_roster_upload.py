"""Roster import through the command and the staff upload page."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from members.models import Employer, Member, RosterImport
from portal.models import AuditEvent
from tests import roster_world
from tests.factories import make_employer
from tests.roster_world import DATA, DEMO_NUMBERS, DEMO_ROWS, NEW_NUMBER
from tests.roster_world import csv_bytes as _csv
from tests.roster_world import row as _row
from tests.roster_world import run as _run

# The shared fixtures, by name (tests/roster_world.py).
employers = roster_world.employers
demo = roster_world.demo


# --- the command --------------------------------------------------------------------------------


def test_the_command_imports_files_in_order(db):
    out = io.StringIO()
    call_command(
        "import_roster", str(DATA / "employers.csv"), str(DATA / "members.csv"), stdout=out
    )
    assert "employers.csv: 事業所ファイル 取込済 行数=3 新規=3" in out.getvalue()
    assert "members.csv: 加入者ファイル 取込済 行数=23 新規=23" in out.getvalue()
    assert RosterImport.objects.filter(via="command").count() == 2


def test_the_command_prints_every_error_and_fails(employers, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([_row(生年月日="2023-02-29"), _row(番号="2", 記号="8888")]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="取り込まれませんでした"):
        call_command("import_roster", str(bad), stdout=out, stderr=err)
    assert "bad.csv:2: [生年月日] 日付として正しくありません。" in err.getvalue()
    assert "bad.csv:3: [記号] 記号 8888 の事業所が登録されていません。" in err.getvalue()
    assert not Member.objects.exists()


def test_the_command_refuses_a_missing_file(db):
    with pytest.raises(CommandError, match="ファイルが見つかりません"):
        call_command("import_roster", "/nonexistent/roster.csv")


def test_seed_demo_loads_the_roster_once(db):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Roster members.csv: created 0, updated 0, unchanged 23" in out.getvalue()
    assert Member.objects.count() == 23


# --- the upload page ----------------------------------------------------------------------------


def _upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else (DATA / name).read_bytes())


@pytest.mark.parametrize("persona", ["clerk", "supervisor"])
def test_staff_upload_a_roster_and_see_the_run(client, request, insurer, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert "名簿の取込" in client.get(reverse("staff_home")).content.decode()
    page = client.get(reverse("members:imports"))
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    for name in ("employers_cp932.csv", "members.csv"):
        response = client.post(reverse("members:imports"), {"file": _upload(name)})
        run = RosterImport.objects.first()
        assert response.status_code == 302
        assert response["Location"] == reverse("members:import_detail", args=[run.pk])
    assert (run.via, run.started_by, run.created) == ("upload", user, 23)
    detail = client.get(response["Location"]).content.decode()
    assert "取り込みました(新規 23件、更新 0件、変更なし 0件)。警告 1件があります。" in detail
    listing = client.get(reverse("members:imports")).content.decode()
    assert "members.csv" in listing and "employers_cp932.csv" in listing
    event = AuditEvent.objects.get(action="roster.import", target_id=str(run.pk))
    assert event.actor == user


def test_a_rejected_upload_shows_every_error_and_no_number(client, insurer, clerk, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(clerk)
    client.post(reverse("members:imports"), {"file": _upload("employers.csv")})
    number = DEMO_ROWS[0]["個人番号"]
    rows = [*DEMO_ROWS, _row(番号="900", 個人番号=number), _row(番号="901", 性別="?")]
    response = client.post(reverse("members:imports"), {"file": _upload("m.csv", _csv(rows))})
    page = client.get(response["Location"]).content.decode()
    assert "取り込めませんでした。" in page
    assert "25行目" in page and "個人番号が2行目と重複しています。" in page
    assert "26行目" in page and "性別は「男」「女」" in page
    assert not Member.objects.exists()
    pages = page + client.get(reverse("members:imports")).content.decode()
    logs = caplog.text + str(list(AuditEvent.objects.values_list("detail", "target_label")))
    for number in DEMO_NUMBERS:
        assert number not in pages and number not in logs
        assert number not in str(list(RosterImport.objects.values_list("errors", flat=True)))


def test_an_applied_upload_shows_no_number(client, insurer, clerk, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(clerk)
    for name in ("employers.csv", "members.csv"):
        response = client.post(reverse("members:imports"), {"file": _upload(name)})
    page = client.get(response["Location"]).content.decode()
    for number in DEMO_NUMBERS:
        assert number not in page and number not in caplog.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"\x00\x01\x02garbage\xff", "ファイルを読み取れません", id="garbage"),
        pytest.param(b"a,b,c\n", "判別できません", id="not-a-roster"),
    ],
)
def test_garbage_uploads_get_a_clear_message(client, insurer, clerk, data, message):
    client.force_login(clerk)
    response = client.post(
        reverse("members:imports"), {"file": _upload("x.csv", data)}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "取り込めませんでした" in page


def test_an_empty_upload_or_none_is_a_form_error(client, insurer, clerk):
    client.force_login(clerk)
    response = client.post(reverse("members:imports"), {"file": _upload("x.csv", b"")})
    assert response.status_code == 200 and "ファイルが空です。" in response.content.decode()
    response = client.post(reverse("members:imports"), {})
    assert response.status_code == 200 and "ファイルを選んでください。" in response.content.decode()
    assert not RosterImport.objects.exists()


@override_settings(ROSTER_UPLOAD_MAX_BYTES=100)
def test_an_upload_over_the_limit_is_refused(client, insurer, clerk):
    client.force_login(clerk)
    response = client.post(reverse("members:imports"), {"file": _upload("employers.csv")})
    assert response.status_code == 200
    assert "ファイルが大きすぎます(上限 100バイト)" in response.content.decode()
    assert not RosterImport.objects.exists() and not Employer.objects.exists()


def test_a_run_that_does_not_exist_is_404(client, insurer, clerk):
    client.force_login(clerk)
    assert client.get(reverse("members:import_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", ["member", "employer_user", "auditor"])
def test_other_roles_get_the_wrong_account_page(client, request, insurer, employers, persona):
    client.force_login(request.getfixturevalue(persona))
    runs = RosterImport.objects.count()
    assert client.get(reverse("members:imports")).status_code == 403
    assert client.get(reverse("members:import_detail", args=[employers.pk])).status_code == 403
    response = client.post(reverse("members:imports"), {"file": _upload("members.csv")})
    assert response.status_code == 403
    assert RosterImport.objects.count() == runs and not Member.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client, insurer, employers):
    for url in (reverse("members:imports"), reverse("members:import_detail", args=[employers.pk])):
        assert client.get(url)["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("members:imports"), {"file": _upload("members.csv")})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Member.objects.exists()


def test_the_run_list_is_paginated(client, insurer, clerk):
    for n in range(23):
        _run(b"", name=f"empty-{n}.csv")
    client.force_login(clerk)
    page = client.get(reverse("members:imports")).content.decode()
    assert "1 / 2 ページ" in page and "empty-22.csv" in page and "empty-0.csv" not in page
    assert "empty-0.csv" in client.get(reverse("members:imports") + "?page=2").content.decode()


def test_the_insured_persons_key_is_audited_safely_when_long(employers):
    make_employer("12345678", "長い記号の事業所")
    row = _row(記号="12345678", 番号="12345678", 個人番号=NEW_NUMBER)
    run = _run(_csv([row]))
    assert run.outcome == "applied", run.errors
    event = AuditEvent.objects.get(action="mynumber.register")
    assert event.target_label == "12345678・12345678・00 " + event.target_label.split(" ", 1)[1]


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=0)
def test_an_upload_spooled_to_disk_imports_too(client, insurer, clerk):
    # Large uploads arrive as temporary files rather than in memory.
    client.force_login(clerk)
    for name in ("employers.csv", "members_cp932.csv"):
        client.post(reverse("members:imports"), {"file": _upload(name)})
    run = RosterImport.objects.first()
    assert (run.encoding, run.outcome, run.created) == ("cp932", "applied", 23)
