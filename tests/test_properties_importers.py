"""Both CSV importers under arbitrary files: the roster (the function, the command and the staff
upload page) and the employers' application CSV (the function and the upload page).

For every example: no exception but the importer's own (the command's CommandError), never a
500; a refused file changes nothing but the refusal's own record and audit event (every table
compared by content); an applied file leaves every row consistent. Each example runs inside a
savepoint that is rolled back, so examples never see each other's writes.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.applications import csv_upload as application_csv
from eligibility.models import CertificateApplication
from members import vault
from members.models import Member, RosterImport
from members.roster.importer import import_roster
from members.roster.parse import MEMBER_COLUMNS
from portal.checkdigits import is_valid_my_number
from portal.models import AuditEvent, contains_full_number
from tests import roster_world
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.employer_world import household as household
from tests.employer_world import hr as hr
from tests.employer_world import new_dependent as new_dependent
from tests.employer_world import new_hire as new_hire
from tests.factories import valid_my_number
from tests.test_properties_validators import any_text, spelled_numbers

employers = roster_world.employers

IMPORT_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Written by every request (the session's last activity) or by the rate limits, or the first
# time a key is used in a fresh transaction (portal.keys records each key once): not data.
NOT_COMPARED = {"django_session", "portal_cache", "portal_keycheck"}
ROWS_COMPARED = {"portal_auditevent": "WHERE t.action NOT LIKE 'keys.%'"}


def table_contents() -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows, in one query."""
    quote = connection.ops.quote_name
    tables = sorted(set(connection.introspection.table_names()) - NOT_COMPARED)
    # Table names come from the database's own catalogue, quoted.
    sql = " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"  # noqa: S608
        f" FROM {quote(table)} t {ROWS_COMPARED.get(table, '')}"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> dict[str, int]:
    """The tables that changed, with how many rows each gained."""
    return {t: after[t][0] - before[t][0] for t in before if before[t] != after[t]}


class RolledBack(Exception):
    pass


def in_savepoint(function):
    """Runs `function` in a savepoint that is always rolled back."""
    try:
        with transaction.atomic():
            function()
            raise RolledBack
    except RolledBack:
        pass


# --- the roster ---------------------------------------------------------------------------------

HOUSEHOLDS: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
for _row in roster_world.DEMO_ROWS:
    HOUSEHOLDS[(_row["記号"], _row["番号"])].append(_row)

# What a cell may become: a value a person could have meant, or anything at all.
PLAUSIBLE = {
    "記号": ["1201", "１２０１", "9999", "123456789"],
    "番号": ["1", "77", "８８", "0", "123456789"],
    "枝番": ["00", "1", "01", "99", "100"],
    "続柄": ["本人", "妻", "子", "長男", ""],
    "性別": ["男", "女", "1", "2", "3"],
    "生年月日": ["1985-04-01", "令和元年5月1日", "R6.2.30", "2099-01-01", "S64.1.8", "H1.1.7"],
    "資格取得年月日": ["2010/04/01", "H27.3.15", "1800-01-01"],
    "資格喪失年月日": ["", "2024-10-01", "2000-01-01"],
    "郵便番号": ["108-0074", "1080074", "〒108-0074", "108-00745"],
    "個人番号": [valid_my_number(seed) for seed in (1, 2, 3)]
    + ["", "314159265352", "123456789012"],
    "マイナ保険証": ["有", "無", "解除", "", "はい"],
    "負担割合": ["", "2割", "3", "1割"],
}
cell_value = {
    column: st.sampled_from(PLAUSIBLE.get(column, [""]))
    | any_text
    | spelled_numbers().map(lambda pair: pair[1])
    for column in [*MEMBER_COLUMNS, "負担割合"]
}


@st.composite
def roster_files(draw) -> tuple[str, bytes]:
    """A roster file: demo households with some cells changed, in some encoding, sometimes
    damaged; or bytes of any kind."""
    if draw(st.integers(0, 7)) == 0:
        return "bytes.csv", draw(st.binary(max_size=300))
    keys = draw(st.lists(st.sampled_from(sorted(HOUSEHOLDS)), min_size=1, max_size=3, unique=True))
    rows = [dict(row) for key in keys for row in HOUSEHOLDS[key]]
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.sampled_from(rows))
        column = draw(st.sampled_from(sorted(cell_value)))
        row[column] = draw(cell_value[column])
    columns = [*MEMBER_COLUMNS, "負担割合"] if draw(st.booleans()) else list(MEMBER_COLUMNS)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8-sig", "utf-8", "cp932"]))
    data = text.encode(encoding, errors="replace" if encoding == "cp932" else "surrogatepass")
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    name = draw(st.sampled_from(["members.csv", "加入者.csv"]) | any_text.map(lambda t: t + ".csv"))
    return name, data


def assert_roster_consistent(run: RosterImport) -> None:
    assert run.outcome == RosterImport.Outcome.APPLIED and not run.errors and run.rejected == 0
    assert run.created + run.updated + run.unchanged == run.rows_total > 0
    for member in Member.objects.select_related("insured"):
        if member.relation == "本人":
            assert member.insured is None
        else:
            insured = member.insured
            assert insured.relation == "本人"
            assert (insured.kigo, insured.bango) == (member.kigo, member.bango)
        if member.mynumber_hash:
            number = vault.decrypt_number(member.mynumber_token, member_id=member.pk)
            assert is_valid_my_number(number) and vault.number_hash(number) == member.mynumber_hash
            assert member.mynumber_last4 == number[-4:]
        for text in (member.name, member.name_kana, member.address, member.postal_code):
            assert not contains_full_number(text)
    assert not contains_full_number(run.file_name)


def _by_function(client, name: str, data: bytes) -> RosterImport:
    return import_roster(io.BytesIO(data), file_name=name)


def _by_command(client, name: str, data: bytes, directory: Path) -> RosterImport:
    path = directory / "roster.csv"
    path.write_bytes(data)
    with contextlib.suppress(CommandError):  # the command's own way of saying "rejected"
        call_command("import_roster", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return RosterImport.objects.order_by("-pk").first()


def _by_upload(client, name: str, data: bytes) -> RosterImport | None:
    response = client.post(reverse("members:imports"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code in {200, 302}, response.status_code
    if response.status_code == 200:  # the form refused the file (empty): nothing was read
        return None
    return RosterImport.objects.order_by("-pk").first()


@pytest.mark.parametrize("via", ["function", "command", "upload"])
def test_a_roster_file_is_applied_whole_or_changes_nothing(
    client, insurer, clerk, employers, tmp_path, via
):
    client.force_login(clerk)
    seen = {"applied": 0, "rejected": 0}

    @IMPORT_SETTINGS
    @given(roster_files())
    def check(file):
        name, data = file

        def example():
            before = table_contents()
            runs = RosterImport.objects.count()
            if via == "function":
                run = _by_function(client, name, data)
            elif via == "command":
                run = _by_command(client, name, data, tmp_path)
            else:
                run = _by_upload(client, name, data)
            if run is None:
                assert changed_tables(before, table_contents()) == {}
                return
            assert RosterImport.objects.count() == runs + 1
            if run.outcome == RosterImport.Outcome.REJECTED:
                seen["rejected"] += 1
                assert run.errors and run.created == run.updated == run.unchanged == 0
                changed = changed_tables(before, table_contents())
                assert changed == {"members_rosterimport": 1, "portal_auditevent": 1}, changed
                event = AuditEvent.objects.order_by("-pk").first()
                assert (event.action, event.outcome) == ("roster.import", "failure")
            else:
                seen["applied"] += 1
                assert_roster_consistent(run)

        in_savepoint(example)

    check()
    assert seen["applied"] and seen["rejected"], seen


# --- the employers' application CSV -------------------------------------------------------------

GOOD_ROWS = [
    ["1201", "8050", "00", "新井 翔", "2003-04-02", "1", ""],
    ["1201", "8051", "01", "高橋　陽菜", "R8.9.15", "5", "出生直後のため"],
]
APPLICATION_PLAUSIBLE = {
    0: ["1201", "1305", "１２０１"],
    1: ["8050", "8051", "9999"],
    2: ["00", "01", "1", "02"],
    3: ["新井 翔", "新井　翔", "高橋　陽菜", "山田　花子"],
    4: ["2003-04-02", "平成15年4月2日", "2026-09-15", "2003-02-30"],
    5: ["1", "2", "3", "5", "6", "DV", "紛失", "9", ""],
    6: ["", "出生直後のため", "施設に入所"],
}


@st.composite
def application_files(draw) -> tuple[str, bytes]:
    if draw(st.integers(0, 7)) == 0:
        return "bytes.csv", draw(st.binary(max_size=300))
    rows = [list(row) for row in draw(st.lists(st.sampled_from(GOOD_ROWS), min_size=1, max_size=3))]
    for _ in range(draw(st.integers(0, 2))):
        row = draw(st.sampled_from(rows))
        column = draw(st.integers(0, 6))
        row[column] = draw(
            st.sampled_from(APPLICATION_PLAUSIBLE[column])
            | any_text
            | spelled_numbers().map(lambda pair: pair[1])
        )
    header = list(application_csv.COLUMNS)
    if draw(st.integers(0, 5)) == 0:
        header = draw(st.permutations(header))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8-sig", "utf-8", "cp932"]))
    data = out.getvalue().encode(encoding, errors="replace" if encoding == "cp932" else "strict")
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return draw(st.sampled_from(["a.csv"]) | any_text.map(lambda t: t + ".csv")), data


def assert_applications_consistent(result, employer) -> None:
    assert result.applied and result.created and not result.errors
    people = 0
    for application in result.created:
        application.refresh_from_db()
        assert application.employer_id == employer.pk
        assert application.reason in CertificateApplication.Reason.values
        assert not contains_full_number(application.reason_detail)
        for person in application.persons.select_related("member"):
            people += 1
            assert person.member.employer_id == employer.pk
            assert (person.kigo, person.bango, person.edaban) == (
                person.member.kigo,
                person.member.bango,
                person.member.edaban,
            )
            assert person.birth_date == person.member.birth_date
    assert people == result.rows


@pytest.mark.parametrize("via", ["function", "upload"])
def test_an_application_file_is_applied_whole_or_changes_nothing(
    client, hr, buhin, new_hire, new_dependent, via
):
    client.force_login(hr)
    seen = {"applied": 0, "refused": 0}

    @IMPORT_SETTINGS
    @given(application_files())
    def check(file):
        name, data = file

        def example():
            before = table_contents()
            uploads = AuditEvent.objects.filter(action="certificate_application.upload")
            count = uploads.count()
            if via == "function":
                result = application_csv.upload(
                    io.BytesIO(data), employer=buhin, applied_on=TODAY, user=hr, file_name=name
                )
                applied = result.applied
            else:
                url = reverse("eligibility:employer_upload")
                response = client.post(url, {"file": SimpleUploadedFile(name, data)})
                assert response.status_code in {200, 302}, response.status_code
                if uploads.count() == count:  # the form refused the file: nothing was read
                    assert changed_tables(before, table_contents()) == {}
                    return
                applied = response.status_code == 302
            event = uploads.order_by("-pk").first()
            assert uploads.count() == count + 1
            assert event.outcome == ("success" if applied else "failure")
            if applied:
                seen["applied"] += 1
                if via == "function":
                    assert_applications_consistent(result, buhin)
            else:
                seen["refused"] += 1
                changed = changed_tables(before, table_contents())
                assert changed == {"portal_auditevent": 1}, changed

        in_savepoint(example)

    check()
    assert seen["applied"] and seen["refused"], seen
