"""Warnings of the roster import: a loss derived on the 75th birthday, a dependent whose end
outlasts the insured person's. The file is still applied; the report lists each with its line."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from members.models import Member, RosterImport
from members.roster import writers as roster_writers
from tests import roster_world
from tests.roster_world import DATA, csv_bytes, errors, run, run_file

employers = roster_world.employers

DAY = datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
NUMBER = "300000000080"


@pytest.fixture
def today(time_machine):
    time_machine.move_to(DAY)


def person(bango: str, edaban: str, birth: str, **changes: str) -> dict[str, str]:
    return {
        "記号": "1201",
        "番号": bango,
        "枝番": edaban,
        "続柄": "本人" if edaban == "00" else "配偶者",
        "氏名": "吉田　茂",
        "氏名カナ": "ヨシダ　シゲル",
        "性別": "男",
        "生年月日": birth,
        "郵便番号": "",
        "住所": "",
        "資格取得年月日": "1990-04-01",
        "資格喪失年月日": "",
        "個人番号": "",
        "マイナ保険証": "",
        **changes,
    }


def lost_on(bango: str, edaban: str = "00") -> date | None:
    return Member.objects.get(kigo="1201", bango=bango, edaban=edaban).lost_on


def warnings(result: RosterImport) -> list[tuple]:
    return [(w["line"], w["column"], w["message"]) for w in result.warnings]


AT_75 = (
    "75歳の誕生日(令和3年8月20日 (2021年))で資格を喪失したものとして取り込みました"
    "(後期高齢者医療制度へ移行)。"
)


@pytest.mark.parametrize(
    ("given", "stored", "warned"),
    [
        ("", date(2021, 8, 20), True),
        ("2024-04-01", date(2021, 8, 20), True),  # later than the 75th birthday
        ("2021-08-21", date(2021, 8, 20), True),
        ("2021-08-20", date(2021, 8, 20), False),  # the birthday itself
        ("2020-04-01", date(2020, 4, 1), False),  # left before 75
    ],
)
def test_a_row_past_75_loses_on_the_birthday(employers, today, given, stored, warned):
    result = run(csv_bytes([person("60", "00", "1946-08-20", 資格喪失年月日=given)]))
    assert (result.outcome, result.created) == ("applied", 1), result.errors
    assert lost_on("60") == stored
    assert warnings(result) == ([(2, "資格喪失年月日", AT_75)] if warned else [])


@pytest.mark.parametrize(
    ("birth", "derived"),
    [
        ("1951-11-26", date(2026, 11, 26)),  # the 75th birthday is the import day
        ("1951-11-27", None),  # tomorrow: still a member today
    ],
)
def test_the_75th_birthday_is_compared_with_the_import_day(employers, today, birth, derived):
    result = run(csv_bytes([person("60", "00", birth)]))
    assert result.outcome == "applied"
    assert lost_on("60") == derived
    assert len(result.warnings) == (1 if derived else 0)


def test_joining_on_or_after_the_75th_birthday_is_an_error(employers, today):
    result = run(csv_bytes([person("60", "00", "1946-08-20", 資格取得年月日="2021-08-20")]))
    assert result.outcome == "rejected"
    assert errors(result)[0][:2] == (2, "資格取得年月日")
    assert "75歳の誕生日(令和3年8月20日 (2021年))以後" in errors(result)[0][2]


def test_a_dependent_past_75_loses_too_and_a_second_run_changes_nothing(employers, today):
    rows = [
        person("61", "00", "1960-01-01"),
        person("61", "01", "1950-05-05", 資格取得年月日="2000-01-01"),
    ]
    first = run(csv_bytes(rows))
    assert lost_on("61", "01") == date(2025, 5, 5) and lost_on("61") is None
    assert [w[0] for w in warnings(first)] == [3]
    again = run(csv_bytes(rows))
    # The same file warns again (it still gives no date) but changes nothing.
    assert (again.unchanged, again.updated, warnings(again)) == (2, 0, warnings(first))


OUTLASTS = "被扶養者の資格は本人の資格喪失日に終わるものとして扱います。"


@pytest.mark.parametrize(
    ("dependent", "message"),
    [
        ("", "資格喪失年月日がありません(本人の資格喪失年月日は令和8年4月1日 (2026年))。"),
        (
            "2026-05-01",
            "資格喪失年月日が本人より後です(本人の資格喪失年月日は令和8年4月1日 (2026年))。",
        ),
        ("2026-04-01", None),
        ("2026-03-01", None),
    ],
)
def test_a_dependent_outlasting_the_insured_person_is_warned(employers, today, dependent, message):
    rows = [
        person("62", "00", "1970-01-01", 資格喪失年月日="2026-04-01"),
        person("62", "01", "1972-01-01", 資格喪失年月日=dependent),
    ]
    result = run(csv_bytes(rows))
    assert result.outcome == "applied"
    # Imported as given: coverage already ends with the insured person's.
    assert lost_on("62", "01") == (date.fromisoformat(dependent) if dependent else None)
    dependent_member = Member.objects.get(kigo="1201", bango="62", edaban="01")
    assert dependent_member.coverage_lost_on <= date(2026, 4, 1)
    expected = [(3, "資格喪失年月日", message + OUTLASTS)] if message else []
    assert warnings(result) == expected


def test_the_insured_persons_date_on_record_counts_and_a_later_batch_too(
    employers, today, monkeypatch
):
    run(csv_bytes([person("63", "00", "1970-01-01", 資格喪失年月日="2026-04-01")]))
    monkeypatch.setattr(roster_writers, "BATCH_SIZE", 1)
    # The dependent comes first, its insured person (on record) in a later batch.
    result = run(csv_bytes([person("63", "01", "1972-01-01")]))
    assert result.outcome == "applied" and [w[0] for w in warnings(result)] == [2]


def test_an_insured_person_derived_at_75_takes_the_dependent_along(employers, today):
    rows = [person("64", "00", "1946-08-20"), person("64", "01", "1960-01-01")]
    result = run(csv_bytes(rows))
    found = [(w[0], w[2].split("(")[0]) for w in warnings(result)]
    assert found == [(2, "75歳の誕生日"), (3, "資格喪失年月日がありません")]


def test_the_demo_roster_warns_about_its_over_75(employers, today):
    result = run_file("members.csv")
    assert result.outcome == "applied"
    assert [w["line"] for w in result.warnings] == [24]
    yoshida = Member.objects.get(name="吉田　茂")
    assert (yoshida.lost_on, yoshida.is_enrolled(DAY.date())) == (date(2021, 8, 20), False)


def test_a_rejected_file_keeps_its_warnings_and_nothing_else(employers, today):
    rows = [person("60", "00", "1946-08-20"), person("65", "00", "1970-13-01")]
    result = run(csv_bytes(rows))
    assert result.outcome == "rejected" and len(result.warnings) == 1
    assert not Member.objects.exists()


def test_the_warnings_are_capped(employers, today, monkeypatch):
    monkeypatch.setattr(roster_writers, "MAX_STORED_WARNINGS", 2)
    rows = [person(str(70 + i), "00", "1946-08-20") for i in range(4)]
    result = run(csv_bytes(rows))
    assert result.outcome == "applied" and len(result.warnings) == 2
    assert result.created == 4


def test_the_detail_page_and_the_command_show_the_warnings(client, employers, clerk, today):
    client.force_login(clerk)
    upload = io.BytesIO((DATA / "members.csv").read_bytes())
    upload.name = "members.csv"
    response = client.post(reverse("members:imports"), {"file": upload}, follow=True)
    page = response.content.decode()
    assert "取り込みました" in page and "警告 1件があります" in page
    assert "<h2>警告</h2>" in page and "24行目" in page
    assert "75歳の誕生日(令和3年8月20日 (2021年))で資格を喪失したもの" in page
    assert "314159265352" not in page and NUMBER not in page

    out = io.StringIO()
    call_command("import_roster", str(DATA / "members_cp932.csv"), stdout=out)
    printed = out.getvalue()
    assert "members_cp932.csv:24: 警告 [資格喪失年月日] 75歳の誕生日(令和3年8月20日" in printed
