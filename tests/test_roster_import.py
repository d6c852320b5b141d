"""Roster import through the service, the command and the upload page: whole files or nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from members import vault
from members.models import Employer, Member
from members.roster import writers as roster_writers
from members.roster.importer import safe_file_name
from members.roster.parse import EMPLOYER_COLUMNS, MEMBER_COLUMNS
from portal.models import AuditEvent
from tests import roster_world
from tests.factories import valid_my_number
from tests.roster_world import DATA, DEMO_NUMBERS, DEMO_ROWS, NEW_NUMBER
from tests.roster_world import csv_bytes as _csv
from tests.roster_world import errors as _errors
from tests.roster_world import row as _row
from tests.roster_world import run as _run
from tests.roster_world import run_file as _file
from tests.roster_world import snapshot as _snapshot

# The shared fixtures, by name (tests/roster_world.py).
employers = roster_world.employers
demo = roster_world.demo


# --- encodings ----------------------------------------------------------------------------------


def test_the_demo_files_import_in_either_encoding_with_the_same_result(db):
    first = [_file("employers.csv"), _file("members.csv")]
    assert [(r.kind, r.encoding, r.created) for r in first] == [
        ("employers", "utf-8-sig", 3),
        ("members", "utf-8-sig", 23),
    ]
    utf8 = _snapshot()
    # The CP932 twins hold the same values: nothing to change.
    again = [_file("employers_cp932.csv"), _file("members_cp932.csv")]
    assert [(r.encoding, r.created, r.updated, r.unchanged) for r in again] == [
        ("cp932", 0, 0, 3),
        ("cp932", 0, 0, 23),
    ]
    # And from an empty database they build the very same records.
    Member.objects.exclude(insured=None).delete()
    Member.objects.all().delete()
    Employer.objects.all().delete()
    assert _file("employers_cp932.csv").created == 3
    assert _file("members_cp932.csv").created == 23
    assert _snapshot() == utf8


def test_the_cp932_files_are_really_cp932():
    for name in ("employers_cp932.csv", "members_cp932.csv"):
        data = (DATA / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        twin = (DATA / name.replace("_cp932", "")).read_bytes()
        assert twin.startswith(b"\xef\xbb\xbf")
        assert data.decode("cp932") == twin.decode("utf-8-sig")


def test_utf8_without_bom_reads_the_same(demo):
    run = _run((DATA / "members.csv").read_bytes()[3:])
    assert (run.encoding, run.unchanged, run.created, run.updated) == ("utf-8", 23, 0, 0)


def test_households_numbers_and_dates_are_stored(demo):
    hanako = Member.objects.get(kigo="1201", bango="1", edaban="00")
    assert str(hanako) == "1201・1・00 山田　花子" and hanako.insured is None
    assert [str(m) for m in hanako.dependents.order_by("edaban")] == [
        "1201・1・01 山田　太郎",
        "1201・1・02 山田　翔太",
        "1201・1・03 山田　結衣",
    ]
    assert hanako.mynumber_status == Member.NumberStatus.ON_FILE
    assert Member.objects.filter(mynumber_status="on_file").count() == len(DEMO_NUMBERS) == 16
    yui = Member.objects.get(name="山田　結衣")
    assert (yui.birth_date.isoformat(), yui.mynumber_last4, yui.sex) == ("2019-05-01", "", "female")
    # 吉田 茂 loses on his 75th birthday (derived by the import).
    assert Member.objects.exclude(lost_on=None).count() == 4
    assert Member.objects.get(name="小林　誠").acquired_on.isoformat() == "2011-04-01"


# --- the vault ----------------------------------------------------------------------------------


def test_numbers_are_sealed_like_register_my_number_does(demo):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_member")
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert DEMO_NUMBERS and not any(number in raw for number in DEMO_NUMBERS)
    for member in Member.objects.exclude(mynumber_token=""):
        number = vault.decrypt_number(member.mynumber_token, member_id=member.pk)
        assert number in DEMO_NUMBERS
        assert member.mynumber_hash == vault.number_hash(number)
        assert member.mynumber_last4 == number[-4:]
    events = AuditEvent.objects.filter(action="mynumber.register")
    assert events.count() == 16
    assert {e.detail["source"] for e in events} == {"roster_import"}


def test_the_same_number_in_the_file_twice_is_refused_without_showing_it(employers):
    number = valid_my_number(31415926535)
    rows = [
        DEMO_ROWS[0],
        DEMO_ROWS[4] | {"個人番号": number[:4] + " " + number[4:8] + " " + number[8:]},
    ]
    run = _run(_csv(rows))
    assert run.outcome == "rejected"
    assert _errors(run) == [(3, "個人番号", "個人番号が2行目と重複しています。")]
    assert not Member.objects.exists()
    assert number not in str(run.errors)


def test_a_number_held_by_another_member_is_refused(demo):
    held = DEMO_ROWS[0]["個人番号"]
    run = _run(_csv([DEMO_ROWS[4] | {"個人番号": held}]))
    assert _errors(run) == [(2, "個人番号", "個人番号が他の加入者と重複しています。")]
    assert Member.objects.get(name="佐藤　健一").mynumber_last4 != held[-4:]


def test_a_new_number_for_a_member_is_sealed_and_audited(demo, clerk):
    run = _run(_csv([DEMO_ROWS[5] | {"個人番号": NEW_NUMBER}]), actor=clerk)
    assert (run.updated, run.unchanged) == (1, 0)
    misaki = Member.objects.get(name="佐藤　美咲")
    assert vault.decrypt_number(misaki.mynumber_token, member_id=misaki.pk) == NEW_NUMBER
    event = AuditEvent.objects.filter(action="mynumber.register", target_id=str(misaki.pk)).get()
    assert (event.actor, event.detail["last4"], event.detail["previous_last4"]) == (
        clerk,
        NEW_NUMBER[-4:],
        "",
    )


# --- all or nothing -----------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_writes_nothing_and_every_bad_row_is_reported(employers):
    rows = list(DEMO_ROWS)
    rows[2] = rows[2] | {"生年月日": "平成31年5月1日"}  # line 4
    rows[6] = rows[6] | {"記号": "9999"}  # line 8
    rows[9] = rows[9] | {"個人番号": "123456789010"}  # line 11
    run = _run(_csv(rows))
    assert (run.outcome, run.rows_total, run.rejected) == ("rejected", 23, 5)
    assert (run.created, run.updated, run.unchanged) == (0, 0, 0)
    no_head = (
        "本人の行がありません（同じ記号・番号の本人が、このファイルにも"
        "登録済みの加入者にもありません）。"
    )
    assert _errors(run) == [
        (4, "生年月日", "平成は2019年4月30日までです。"),
        (
            8,
            "記号",
            "記号 9999 の事業所が登録されていません。事業所ファイルを先に取り込んでください。",
        ),
        (9, "続柄", no_head),
        (11, "個人番号", "個人番号の検査用数字が正しくありません。"),
        (12, "続柄", "本人の行（11行目）にエラーがあるため取り込めません。"),
    ]
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action="mynumber.register").exists()


def test_a_rejected_file_leaves_earlier_records_untouched(demo):
    rows = [_row(住所="東京都港区白金1-2-3"), DEMO_ROWS[1] | {"性別": "不明"}]
    run = _run(_csv(rows))
    assert run.outcome == "rejected" and _errors(run)[0][:2] == (3, "性別")
    assert Member.objects.get(name="山田　花子").address == "東京都港区高輪2-5-8"


def test_the_dependent_of_a_bad_insured_row_says_so(employers):
    rows = [DEMO_ROWS[4] | {"氏名カナ": "sato"}, DEMO_ROWS[5]]
    assert _errors(_run(_csv(rows))) == [
        (2, "氏名カナ", "氏名カナはカタカナで入力してください。"),
        (3, "続柄", "本人の行（2行目）にエラーがあるため取り込めません。"),
    ]


def test_the_dependent_of_an_insured_row_refused_against_the_records_says_so(demo):
    # A new household whose 本人 brings a number another member holds.
    head = DEMO_ROWS[4] | {"番号": "50", "個人番号": DEMO_ROWS[0]["個人番号"]}
    spouse = DEMO_ROWS[5] | {"番号": "50"}
    assert _errors(_run(_csv([spouse, head]))) == [
        (2, "続柄", "本人の行（3行目）にエラーがあるため取り込めません。"),
        (3, "個人番号", "個人番号が他の加入者と重複しています。"),
    ]


def test_errors_are_capped_but_counts_are_exact(employers):
    rows = [_row(番号=str(n), 性別="?") for n in range(1, 1201)]
    run = _run(_csv(rows))
    assert (run.rows_total, run.rejected) == (1200, 1200)
    assert len(run.errors) == roster_writers.MAX_STORED_ERRORS
    assert run.errors[0]["line"] == 2


# --- idempotency and updates --------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(demo):
    stamps = dict(Member.objects.values_list("pk", "updated_at"))
    employer_stamps = dict(Employer.objects.values_list("pk", "updated_at"))
    events = AuditEvent.objects.filter(action="mynumber.register").count()
    again = [_file("employers.csv"), _file("members.csv")]
    assert [(r.created, r.updated, r.unchanged) for r in again] == [(0, 0, 3), (0, 0, 23)]
    assert dict(Member.objects.values_list("pk", "updated_at")) == stamps
    assert dict(Employer.objects.values_list("pk", "updated_at")) == employer_stamps
    assert AuditEvent.objects.filter(action="mynumber.register").count() == events


def test_a_changed_address_updates_that_row_only(demo):
    stamps = dict(Member.objects.values_list("pk", "updated_at"))
    rows = [_row(住所="東京都港区白金１－２－３"), *DEMO_ROWS[1:]]
    run = _run(_csv(rows))
    assert (run.created, run.updated, run.unchanged) == (0, 1, 22)
    hanako = Member.objects.get(name="山田　花子")
    assert hanako.address == "東京都港区白金1-2-3"
    changed = {pk for pk, at in Member.objects.values_list("pk", "updated_at") if stamps[pk] != at}
    assert changed == {hanako.pk}


def test_a_member_missing_from_a_later_file_is_kept(demo):
    run = _run(_csv(DEMO_ROWS[:5]))
    assert (run.outcome, run.unchanged) == ("applied", 5)
    assert Member.objects.count() == 23


def test_an_empty_number_cell_keeps_the_stored_number(demo):
    run = _run(_csv([_row(個人番号="")]))
    assert run.unchanged == 1
    assert Member.objects.get(name="山田　花子").mynumber_status == "on_file"


def test_an_employer_change_is_an_update(employers):
    rows = [
        {
            "記号": "1201",
            "事業所名称": "日本部品工業株式会社",
            "所在地": "東京都港区芝5-1-1",
            "郵便番号": "108-0014",
        },
    ]
    run = _run(_csv(rows, EMPLOYER_COLUMNS), name="employers.csv")
    assert (run.kind, run.updated, run.unchanged) == ("employers", 1, 0)
    assert Employer.objects.get(kigo="1201").postal_code == "108-0014"


# --- households ---------------------------------------------------------------------------------


def test_a_dependent_without_an_insured_row_is_refused(employers):
    run = _run(_csv([DEMO_ROWS[0], DEMO_ROWS[5]]))
    assert run.outcome == "rejected"
    [(line, column, message)] = _errors(run)
    assert (line, column) == (3, "続柄") and message.startswith("本人の行がありません")


def test_dependents_may_come_before_their_insured_person(employers, monkeypatch):
    monkeypatch.setattr(roster_writers, "BATCH_SIZE", 3)  # spread over several batches
    heads = [row for row in DEMO_ROWS if row["続柄"] == "本人"]
    dependents = [row for row in DEMO_ROWS if row["続柄"] != "本人"]
    run = _run(_csv(dependents + heads))
    assert (run.outcome, run.created) == ("applied", 23), run.errors
    for member in Member.objects.exclude(insured=None):
        assert (member.insured.kigo, member.insured.bango) == (member.kigo, member.bango)


def test_a_dependent_joins_an_insured_person_already_on_record(demo):
    child = _row(
        枝番="04",
        続柄="子",
        氏名="山田　蒼",
        氏名カナ="ヤマダ　アオイ",
        性別="男",
        生年月日="R6.12.2",
        資格取得年月日="R6.12.2",
        個人番号="",
    )
    run = _run(_csv([child]))
    assert run.created == 1
    assert Member.objects.get(name="山田　蒼").insured == Member.objects.get(name="山田　花子")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        pytest.param(
            _row(記号="1201", 番号="1", 枝番="05"),
            "枝番",
            "この記号・番号の本人は枝番00で登録されています。",
            id="second-insured-person",
        ),
        pytest.param(
            _row(続柄="子"),
            "続柄",
            "登録済みの加入者の続柄を「本人」から、または「本人」へ変更することはできません。",
            id="insured-becomes-dependent",
        ),
    ],
)
def test_household_shape_is_kept(demo, row, column, message):
    run = _run(_csv([row]))
    assert (run.outcome, _errors(run)[0][1:]) == ("rejected", (column, message))


def test_keys_repeated_in_a_file_are_refused(employers):
    rows = [
        DEMO_ROWS[0],
        DEMO_ROWS[0] | {"個人番号": ""},
        DEMO_ROWS[4],
        DEMO_ROWS[4] | {"枝番": "9", "個人番号": ""},
    ]
    assert _errors(_run(_csv(rows))) == [
        (3, "記号・番号・枝番", "記号・番号・枝番が2行目と重複しています。"),
        (3, "続柄", "同じ記号・番号の本人が2行目にもあります。"),
        (5, "続柄", "同じ記号・番号の本人が4行目にもあります。"),
    ]


def test_an_unknown_kigo_is_refused(employers):
    run = _run(_csv([_row(記号="7777")]))
    assert _errors(run) == [
        (
            2,
            "記号",
            "記号 7777 の事業所が登録されていません。事業所ファイルを先に取り込んでください。",
        )
    ]


# --- files that are not rosters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "ファイルが空です。", id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ファイルを読み取れません", id="png"),
        pytest.param(b"\x81\x20\xc3\x28" * 10, "ファイルを読み取れません", id="undecodable"),
        pytest.param(
            ",".join(MEMBER_COLUMNS).encode() + b"\r\n", "データ行がありません", id="header"
        ),
        pytest.param(b"hello,world\n1,2\n", "判別できません", id="not-a-roster"),
        pytest.param(b"\r\n\r\n", "見出し行）が空です", id="blank-lines"),
        pytest.param('"記号,番号\n1,2'.encode(), "判別できません", id="unclosed-quote"),
    ],
)
def test_files_that_are_not_rosters_are_rejected_with_a_message(employers, data, message):
    run = _run(data, name="x.csv")
    assert run.outcome == "rejected"
    assert message in run.errors[0]["message"]
    assert run.sha256 and run.size_bytes == len(data)
    assert not Member.objects.exists()
    assert AuditEvent.objects.filter(action="roster.import", target_id=str(run.pk)).exists()


def test_a_file_of_the_other_kind_is_refused(employers):
    # An employers header over member rows: every row has the wrong number of columns.
    body = ",".join(EMPLOYER_COLUMNS) + "\r\n" + ",".join(DEMO_ROWS[0].values()) + "\r\n"
    run = _run(body.encode())
    assert run.kind == "employers" and run.outcome == "rejected"
    assert "見出し行は4列、この行は15列" in run.errors[0]["message"]


def test_file_names_never_hold_twelve_digits():
    assert safe_file_name("C:\\data\\roster-202412011230.csv") == "roster-************.csv"
    assert safe_file_name("../../etc/members.csv") == "members.csv"
    assert safe_file_name("") == "(名前なし)"


# --- audit --------------------------------------------------------------------------------------


def test_every_run_writes_an_audit_event(demo):
    rejected = _run(b"nonsense")
    events = AuditEvent.objects.filter(action="roster.import").order_by("id")
    last = events.last()
    assert last.target_id == str(rejected.pk) and last.outcome == "failure"
    applied = events.get(target_id=str(demo.pk))
    assert applied.outcome == "success"
    assert {k: applied.detail[k] for k in ("kind", "outcome", "created", "rows_total")} == {
        "kind": "members",
        "outcome": "applied",
        "created": 23,
        "rows_total": 23,
    }
    assert applied.detail["sha256"].replace(":", "") == demo.sha256
    assert applied.detail["numbers_set"] == 16
