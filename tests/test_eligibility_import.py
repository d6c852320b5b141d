"""The roster's マイナ保険証 column: 有/無/解除 become registrations, empty changes nothing, and a
file imported twice changes nothing the second time."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from eligibility.models import MynaRegistration
from eligibility.records.roster import roster_change
from members.models import Member
from members.roster import writers as roster_writers
from members.roster.importer import import_roster
from members.roster.parse import MEMBER_COLUMNS
from portal.models import AuditEvent

DATA = Path(__file__).resolve().parent / "data"
D = date.fromisoformat
TOKYO = ZoneInfo("Asia/Tokyo")
Status = MynaRegistration.Status


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=TOKYO)


def _rows() -> list[dict[str, str]]:
    with (DATA / "members.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _import(rows: list[dict[str, str]]):
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=MEMBER_COLUMNS, lineterminator="\r\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    return import_roster(io.BytesIO(out.getvalue().encode("utf-8-sig")), file_name="m.csv")


def _file(name: str):
    with (DATA / name).open("rb") as stream:
        return import_roster(stream, file_name=name)


def _registration(key: str) -> MynaRegistration | None:
    kigo, bango, edaban = key.split("-")
    member = Member.objects.get(kigo=kigo, bango=bango, edaban=edaban)
    return MynaRegistration.objects.filter(member=member).first()


def _state(key: str) -> tuple | None:
    r = _registration(key)
    if r is None:
        return None
    return (r.status, r.registered_on, r.registered_on_estimated, r.cancellation_applied_on)


def _with(rows: list[dict[str, str]], key: str, value: str) -> list[dict[str, str]]:
    kigo, bango, edaban = key.split("-")
    return [
        {**row, "マイナ保険証": value}
        if (row["記号"], row["番号"], row["枝番"]) == (kigo, bango, edaban)
        else row
        for row in rows
    ]


@pytest.fixture
def employers(db):
    assert _file("employers.csv").outcome == "applied"


# --- the mapping, as a table ------------------------------------------------------------------

DAY = D("2025-06-01")


def _record(status: str, registered: str | None = None, cancelled: str | None = None):
    return MynaRegistration(
        status=status,
        registered_on=registered and D(registered),
        registered_on_estimated=False,
        cancellation_applied_on=cancelled and D(cancelled),
    )


@pytest.mark.parametrize(
    ("current", "stated", "expected"),
    [
        pytest.param(None, "", None, id="空欄: 記録なしのまま"),
        pytest.param(_record(Status.REGISTERED, "2023-05-10"), "", None, id="空欄: 登録を残す"),
        pytest.param(
            None, "registered", ("registered", DAY, True, None), id="有: 取込日を推定登録日に"
        ),
        pytest.param(
            _record(Status.REGISTERED, "2023-05-10"), "registered", None, id="有→有: 変更なし"
        ),
        pytest.param(
            _record(Status.CANCELLED, "2023-05-10", "2024-01-10"),
            "registered",
            ("registered", DAY, True, None),
            id="解除→有: 再登録",
        ),
        pytest.param(None, "not_registered", ("not_registered", None, False, None), id="無"),
        pytest.param(
            _record(Status.REGISTERED, "2023-05-10"),
            "not_registered",
            ("not_registered", None, False, None),
            id="有→無: 日付を消す",
        ),
        pytest.param(
            _record(Status.REGISTERED, "2023-05-10"),
            "cancelled",
            ("cancelled", D("2023-05-10"), False, DAY),
            id="有→解除: 登録日を残し、取込日を申請日に",
        ),
        pytest.param(None, "cancelled", ("cancelled", DAY, True, DAY), id="解除のみ: 取込日"),
        pytest.param(
            _record(Status.CANCELLED, "2023-05-10", "2024-01-10"),
            "cancelled",
            None,
            id="解除→解除: 変更なし",
        ),
    ],
)
def test_roster_change(current, stated, expected):
    values = roster_change(current, stated, DAY)
    if expected is None:
        assert values is None
    else:
        got = (
            values["status"],
            values["registered_on"],
            values["registered_on_estimated"],
            values["cancellation_applied_on"],
        )
        assert got == expected


# --- through the import -----------------------------------------------------------------------


def test_the_demo_file_sets_registrations_and_a_second_run_changes_nothing(employers, time_machine):
    time_machine.move_to(_at("2025-06-01"))
    first = _file("members.csv")
    assert (first.outcome, first.created) == ("applied", 23)
    assert _state("1201-1-00") == ("registered", DAY, True, None)
    assert _state("1201-1-02") == ("not_registered", None, False, None)
    assert _state("1201-1-03") is None  # empty cell: nothing known
    assert _state("1305-21-01") == ("cancelled", DAY, True, DAY)
    statuses = list(MynaRegistration.objects.values_list("status", flat=True))
    assert len(statuses) == 21
    events = AuditEvent.objects.filter(action="eligibility.registration_import")
    assert events.count() == 21
    assert {e.detail["source"] for e in events} == {"roster_import"}

    time_machine.move_to(_at("2025-07-01"))
    again = _file("members_cp932.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 23)
    assert _state("1201-1-00") == ("registered", DAY, True, None)
    assert AuditEvent.objects.filter(action="eligibility.registration_import").count() == 21


def test_a_registration_change_alone_counts_the_row_as_updated(employers, time_machine):
    time_machine.move_to(_at("2025-06-01"))
    rows = _rows()
    _import(rows)
    time_machine.move_to(_at("2025-08-20"))
    run = _import(_with(rows, "1201-1-00", "解除"))
    assert (run.created, run.updated, run.unchanged) == (0, 1, 22)
    # The registration date on record stays; the cancellation dates from this import.
    assert _state("1201-1-00") == ("cancelled", DAY, True, D("2025-08-20"))
    member = Member.objects.get(kigo="1201", bango="1", edaban="00")
    event = AuditEvent.objects.filter(
        action="eligibility.registration_import", target_id=str(member.pk)
    ).latest("id")
    assert (event.detail["previous"], event.detail["status"]) == ("registered", "cancelled")


def test_an_empty_cell_leaves_a_known_registration_alone(employers):
    rows = _rows()
    _import(rows)
    registration = _registration("1201-1-00")
    registration.registered_on, registration.registered_on_estimated = D("2023-05-10"), False
    registration.save()
    run = _import(_with(rows, "1201-1-00", ""))
    assert (run.updated, run.unchanged) == (0, 23)
    assert _state("1201-1-00") == ("registered", D("2023-05-10"), False, None)


def test_card_facts_survive_a_status_change(employers):
    rows = _rows()
    _import(rows)
    registration = _registration("1201-1-02")
    registration.has_card, registration.card_certificate_expires_on = False, D("2026-05-01")
    registration.save()
    _import(_with(rows, "1201-1-02", "有"))
    registration = _registration("1201-1-02")
    assert registration.status == "registered"
    assert (registration.has_card, registration.card_certificate_expires_on) == (
        False,
        D("2026-05-01"),
    )


def test_a_rejected_file_writes_no_registration(employers):
    rows = _rows()
    rows[5] = {**rows[5], "生年月日": "not a date"}
    run = _import(rows)
    assert run.outcome == "rejected"
    assert not MynaRegistration.objects.exists()
    assert not AuditEvent.objects.filter(action="eligibility.registration_import").exists()


def test_a_bad_value_is_a_row_error(employers):
    run = _import(_with(_rows(), "1201-1-00", "あり"))
    assert run.outcome == "rejected"
    assert any(error["column"] == "マイナ保険証" for error in run.errors)


def test_dependents_listed_before_their_insured_person_get_their_registration(
    employers, monkeypatch
):
    monkeypatch.setattr(roster_writers, "BATCH_SIZE", 1)  # each row its own batch
    rows = _rows()
    household = [row for row in rows if (row["記号"], row["番号"]) == ("1202", "102")]
    run = _import(list(reversed(household)))
    assert run.outcome == "applied", run.errors
    assert _state("1202-102-01")[0] == "registered"
    assert _state("1202-102-03") is None
