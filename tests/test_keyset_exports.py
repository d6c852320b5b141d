"""Large results are walked in keyset pages (portal.pagination.keyset_rows), a few rows per
query, never read whole: behind PgBouncer in transaction mode QuerySet.iterator() reads the
whole result into memory. The exports give the same bytes as reading it all at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.households import household_of
from portal import audit, services
from portal import pagination as pages
from portal.models import AuditEvent
from portal.pages import access_log_export as export
from portal.pages.access_log import CSV_HEADER, AccessLog
from portal.services import spreadsheet_csv
from portal.templatetags.wareki import wareki_datetime
from tests.factories import make_member

MOMENT = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
MARK = "keyset-walk"  # the target_label of this test's rows: the fixtures record others


def _events(time_machine, clerk, ties: list[int], target=None) -> None:
    """Events in groups recorded at the same instant (ties[i] events at minute i)."""
    for minute, count in enumerate(ties):
        time_machine.move_to(MOMENT + timedelta(minutes=minute), tick=False)
        for _ in range(count):
            audit.record("insurer.update", actor=clerk, target=target, target_label=MARK)


def _selects(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "portal_auditevent"' in q["sql"]
    ]


KEYS = [("-at", "-id"), ("at", "id"), ("-id",), ("pk",)]
# (events per instant, page size): empty, fewer than a page, exactly one page, one more,
# ties across page edges (every row at one instant; a page edge inside each group).
SHAPES = [([], 3), ([2], 3), ([3], 3), ([4], 3), ([1, 3], 3), ([7], 3), ([2, 5, 1, 4], 3)]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(("ties", "size"), SHAPES)
@pytest.mark.parametrize("shape", ["models", "values", "values_list"])
def test_every_row_once_in_order(db, clerk, time_machine, key, ties, size, shape):
    _events(time_machine, clerk, ties)
    rows = AuditEvent.objects.filter(target_label=MARK)
    names = [name.removeprefix("-") for name in key]
    if shape == "values":
        rows = rows.values("action", *names)
    elif shape == "values_list":
        rows = rows.values_list("action", *names)
    expected = list(rows.order_by(*key))
    assert len(expected) == sum(ties)
    with CaptureQueriesContext(connection) as queries:
        walked = list(pages.keyset_rows(rows, key, size=size))
    assert walked == expected
    if shape == "models":
        assert [event.pk for event in walked] == [event.pk for event in expected]
    selects = _selects(queries)
    assert len(selects) == sum(ties) // size + 1  # a short (or empty) page ends the walk
    assert all(f"LIMIT {size}" in sql for sql in selects)


def test_a_flat_list_of_its_own_key_and_the_default_page_size(db, clerk, time_machine, monkeypatch):
    _events(time_machine, clerk, [5])
    monkeypatch.setattr(pages, "KEYSET_PAGE_SIZE", 2)
    rows = AuditEvent.objects.filter(target_label=MARK).values_list("pk", flat=True)
    assert list(pages.keyset_rows(rows, ("-pk",))) == list(rows.order_by("-pk"))


@pytest.mark.parametrize(
    "rows",
    [
        AuditEvent.objects.values_list("action", flat=True),  # no key to carry on from
        AuditEvent.objects.values_list("action", "at"),  # "id" missing
        AuditEvent.objects.values("action"),  # refused at the call, not mid-download
        AuditEvent.objects.all()[:10],  # a slice
    ],
)
def test_rows_without_their_key_are_refused(db, rows):
    with pytest.raises(ValueError):
        pages.keyset_rows(rows, ("-at", "-id"))


def test_a_key_in_two_directions_is_refused(db):
    with pytest.raises(ValueError):
        pages.keyset_rows(AuditEvent.objects.all(), ("-at", "id"))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "filters",
    [{}, {"actor": "clerk", "date_from": "2025-06-02", "date_to": "2025-06-02"}],
)
def test_the_audit_csv_reads_pages_and_gives_the_same_bytes(
    client, auditor, clerk, insurer, time_machine, monkeypatch, filters
):
    _events(time_machine, clerk, [4, 1, 6, 3])
    monkeypatch.setattr(pages, "KEYSET_PAGE_SIZE", 4)
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as queries:
        body = _body(client.get(reverse("audit_log"), {**filters, "format": "csv"}))
    # The whole result read at once, as the export did before, after the export's own row.
    wanted = {
        "actor": filters.get("actor", ""),
        "date_from": date.fromisoformat(filters["date_from"]) if filters else None,
        "date_to": date.fromisoformat(filters["date_to"]) if filters else None,
    }
    everything = services.filter_audit_events(**wanted)
    assert body == "".join(services.audit_csv_rows(everything.iterator())).encode("utf-8")
    assert len(body.decode().splitlines()) == 1 + everything.count() >= 1 + 14
    selects = [sql for sql in _selects(queries) if "ORDER BY" in sql]
    assert len(selects) == everything.count() // 4 + 1
    assert all("LIMIT 4" in sql for sql in selects)


@pytest.fixture
def household(db, insurer, member):
    insured = make_member(bango="15", name="髙橋　花子", name_kana="タカハシ　ハナコ")
    spouse = make_member(
        insured=insured, edaban="01", relation="配偶者", name="髙橋　一郎", name_kana="タカハシ"
    )
    insured.account = member
    insured.save()
    return {"insured": insured, "spouse": spouse}


def test_the_access_log_csv_reads_pages_and_gives_the_same_bytes(
    client, household, clerk, member, time_machine, monkeypatch
):
    # Views of both people, many at the same instant; none of the other household's.
    for minute, count in enumerate([3, 5, 1, 4]):
        time_machine.move_to(MOMENT + timedelta(minutes=minute), tick=False)
        for person in [household["insured"], household["spouse"]] * count:
            audit.record("member.view", actor=clerk, target=person, target_label=MARK)
    audit.record("member.view", actor=clerk, target=make_member(bango="16"), target_label=MARK)
    time_machine.move_to(MOMENT + timedelta(hours=1), tick=False)
    monkeypatch.setattr(export, "CSV_PAGE_ROWS", 5)
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        body = _body(client.get(reverse("members:access_log_csv")))
    log = AccessLog(household_of(member, timezone.localdate()), member.pk)
    every = log.rows(log.events().iterator())  # read at once, as the export did before
    lines = ([wareki_datetime(row.at, "seconds"), row.what, row.whom, row.who] for row in every)
    assert body == "".join(spreadsheet_csv([str(t) for t in CSV_HEADER], lines)).encode("utf-8")
    assert len(body.decode().splitlines()) == 1 + 26 + 1  # the views and this download
    selects = [sql for sql in _selects(queries) if 'ORDER BY "portal_auditevent"."at"' in sql]
    assert len(selects) == 27 // 5 + 1
    assert all("LIMIT 5" in sql for sql in selects)
