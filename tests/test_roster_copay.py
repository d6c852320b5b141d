"""The roster's optional 負担割合 column: present or absent, any width, bad values, too young,
CP932, and a change of rate as an audited update that asks for a new notice."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Member
from members.roster.parse import MEMBER_COLUMNS
from members.signals import notice_fields_changed
from portal.models import AuditEvent
from tests import roster_world
from tests.factories import valid_my_number
from tests.roster_world import csv_bytes, errors, run, run_file, snapshot

employers = roster_world.employers

WITH_RATE = (*MEMBER_COLUMNS, "負担割合")
DAY = datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def today(time_machine):
    time_machine.move_to(DAY)


def person(bango: str, birth: str, rate: str | None = None, **changes: str) -> dict[str, str]:
    row = {
        "記号": "1201",
        "番号": bango,
        "枝番": "00",
        "続柄": "本人",
        "氏名": "木村　正男",
        "氏名カナ": "キムラ　マサオ",
        "性別": "男",
        "生年月日": birth,
        "郵便番号": "",
        "住所": "",
        "資格取得年月日": "1980-04-01",
        "資格喪失年月日": "",
        "個人番号": "",
        "マイナ保険証": "",
        **changes,
    }
    if rate is not None:
        row["負担割合"] = rate
    return row


def rate_of(bango: str) -> str:
    return Member.objects.get(kigo="1201", bango=bango, edaban="00").copay_rate


def test_the_demo_files_carry_the_rates_in_either_encoding(employers, today):
    first = run_file("members.csv")
    assert first.outcome == "applied" and first.created == 23, first.errors
    assert {m.name: m.copay_rate for m in Member.objects.exclude(copay_rate="")} == {
        "木村　正男": "3割"
    }
    assert Member.objects.get(name="加藤　洋子").copay_rate == ""
    utf8 = snapshot()
    again = run_file("members_cp932.csv")
    assert (again.encoding, again.outcome, again.unchanged, again.updated) == (
        "cp932",
        "applied",
        23,
        0,
    )
    assert snapshot() == utf8


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("3割", "3割"),
        ("2割", "2割"),
        ("3", "3割"),
        ("２", "2割"),
        ("３割", "3割"),
        (" 2 割 ", "2割"),
    ],
)
def test_a_rate_in_any_width_is_stored(employers, today, cell, stored):
    result = run(csv_bytes([person("50", "1954-06-10", cell)], columns=WITH_RATE))
    assert result.outcome == "applied", result.errors
    assert rate_of("50") == stored


def test_the_cp932_path_reads_full_width_rates(employers, today):
    data = csv_bytes([person("50", "1954-06-10", "３割")], columns=WITH_RATE, encoding="cp932")
    result = run(data)
    assert (result.encoding, result.outcome) == ("cp932", "applied")
    assert rate_of("50") == "3割"


def test_a_file_without_the_column_keeps_the_rate_on_record(employers, today):
    run(csv_bytes([person("50", "1954-06-10", "3割")], columns=WITH_RATE))
    result = run(csv_bytes([person("50", "1954-06-10")]))
    assert (result.outcome, result.unchanged, result.updated) == ("applied", 1, 0)
    assert rate_of("50") == "3割"


def test_a_blank_rate_in_a_file_with_the_column_clears_it(employers, today):
    run(csv_bytes([person("50", "1954-06-10", "3割")], columns=WITH_RATE))
    result = run(csv_bytes([person("50", "1954-06-10", "")], columns=WITH_RATE))
    assert (result.outcome, result.updated) == ("applied", 1)
    assert rate_of("50") == ""


@pytest.mark.parametrize("cell", ["1割", "4", "二割", "20%", "3割3"])
def test_a_bad_rate_is_a_row_error_and_changes_nothing(employers, today, cell):
    result = run(csv_bytes([person("50", "1954-06-10", cell)], columns=WITH_RATE))
    assert result.outcome == "rejected"
    assert errors(result) == [
        (
            2,
            "負担割合",
            "負担割合は「2割」「3割」(または「2」「3」)で入力してください。"
            "70歳未満の方は空欄にします。",
        )
    ]
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("birth", "accepted"),
    [
        ("1957-07-31", True),  # reaches 70 on 2027-07-30: decided ahead, fine
        ("1957-08-01", True),  # reaches 70 on 2027-07-31, the end of the period
        ("1957-08-02", False),  # reaches 70 on 2027-08-01: not before the next 31 July
        ("1960-01-01", False),
    ],
)
def test_a_rate_for_someone_not_70_by_the_next_31_july_is_refused(
    employers, today, birth, accepted
):
    result = run(csv_bytes([person("50", birth, "2割")], columns=WITH_RATE))
    assert (result.outcome == "applied") is accepted, result.errors
    if not accepted:
        assert errors(result) == [
            (
                2,
                "負担割合",
                "負担割合は70歳以上の方にのみ指定できます"
                "(この方は令和9年7月31日 (2027年)までに70歳になりません)。空欄にしてください。",
            )
        ]


def test_a_change_of_rate_is_an_update_that_asks_for_a_new_notice(employers, today, clerk):
    run(csv_bytes([person("50", "1954-06-10", "2割")], columns=WITH_RATE))
    member = Member.objects.get(bango="50")
    sent: list[dict] = []

    def receiver(sender, changes, **kwargs):
        sent.append(changes)

    notice_fields_changed.connect(receiver)
    try:
        same = run(csv_bytes([person("50", "1954-06-10", "2割")], columns=WITH_RATE))
        changed = run(
            csv_bytes([person("50", "1954-06-10", "3割")], columns=WITH_RATE), actor=clerk
        )
    finally:
        notice_fields_changed.disconnect(receiver)
    assert (same.unchanged, same.updated) == (1, 0)
    assert (changed.outcome, changed.updated, changed.unchanged) == ("applied", 1, 0)
    assert sent == [{member.pk: "change"}]
    assert rate_of("50") == "3割"
    event = AuditEvent.objects.filter(action="roster.import").latest("id")
    assert (event.actor_id, event.detail["updated"]) == (clerk.pk, 1)


def test_the_header_takes_fourteen_or_fifteen_columns_in_any_order(employers, today):
    columns = ("負担割合", *reversed(MEMBER_COLUMNS))
    result = run(csv_bytes([person("50", "1954-06-10", "3割")], columns=columns))
    assert result.outcome == "applied", result.errors
    twice = run(
        b"\xef\xbb\xbf" + (",".join((*MEMBER_COLUMNS, "負担割合", "負担割合")) + "\r\n").encode()
    )
    assert "列名が重複しています: 負担割合" in twice.errors[0]["message"]


def test_the_rates_take_no_query_per_row(employers, today):
    def queries(count: int) -> int:
        rows = [
            person(str(100 + i), "1954-06-10", "3割", 個人番号=valid_my_number(70000000 + i))
            for i in range(count)
        ]
        Member.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            assert run(csv_bytes(rows, columns=WITH_RATE)).outcome == "applied"
        return len(captured)

    queries(4)  # the first vault use in a transaction reads the keys' check values once
    assert queries(40) == queries(4)


def test_the_rate_dates_use_the_import_day(employers, time_machine):
    # On 1 August the period runs to the next 31 July: a rate for someone reaching 70 on
    # 2027-07-31 is now accepted a year ahead; the day before it was not.
    time_machine.move_to(datetime(2026, 7, 31, 10, tzinfo=ZoneInfo("Asia/Tokyo")))
    early = run(csv_bytes([person("50", "1957-08-01", "2割")], columns=WITH_RATE))
    assert early.outcome == "rejected"
    time_machine.move_to(datetime(2026, 8, 1, 10, tzinfo=ZoneInfo("Asia/Tokyo")))
    on_time = run(csv_bytes([person("50", "1957-08-01", "2割")], columns=WITH_RATE))
    assert on_time.outcome == "applied"
    assert Member.objects.get(bango="50").birth_date == date(1957, 8, 1)
