"""What the roster import tests share: the demo files, CSV built from rows, runs, snapshots."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from members.models import Member, RosterImport
from members.roster import writers as roster_writers
from members.roster.importer import import_roster
from members.roster.parse import MEMBER_COLUMNS
from tests.factories import valid_my_number

DATA = Path(__file__).resolve().parent / "data"
NEW_NUMBER = valid_my_number(55555555555)


def read_rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


DEMO_ROWS = read_rows("members.csv")
DEMO_NUMBERS = {
    "".join(ch for ch in row["個人番号"] if ch.isdigit()).translate(
        str.maketrans("０１２３４５６７８９", "0123456789")
    )
    for row in DEMO_ROWS
    if row["個人番号"]
}


def csv_bytes(rows: list[dict[str, str]], columns=MEMBER_COLUMNS, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    # The demo rows carry the optional 負担割合 too: left out unless `columns` names it.
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def run(data: bytes, name: str = "members.csv", **kwargs) -> RosterImport:
    return import_roster(io.BytesIO(data), file_name=name, **kwargs)


def run_file(name: str, **kwargs) -> RosterImport:
    with (DATA / name).open("rb") as stream:
        return import_roster(stream, file_name=name, **kwargs)


def row(**changes: str) -> dict[str, str]:
    return {**DEMO_ROWS[0], **changes}


def snapshot() -> dict[str, tuple]:
    fields = [f for f in roster_writers.MEMBER_FIELDS if f not in {"employer_id", "insured_id"}]
    fields += ["mynumber_hash", "mynumber_last4", "mynumber_status"]
    return {
        str(m): (
            *(getattr(m, f) for f in fields),
            m.employer.kigo,
            m.insured and str(m.insured),
        )
        for m in Member.objects.select_related("employer", "insured")
    }


def errors(run: RosterImport) -> list[tuple]:
    return [(e["line"], e["column"], e["message"]) for e in run.errors]


@pytest.fixture
def employers(db):
    run = run_file("employers.csv")
    assert run.outcome == "applied" and run.created == 3
    return run


@pytest.fixture
def demo(employers):
    run = run_file("members.csv")
    assert run.outcome == "applied", run.errors
    return run
