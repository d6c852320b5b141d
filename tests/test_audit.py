"""The audit log: append-only in PostgreSQL, never a full My Number, readable by auditors only."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from portal import audit
from portal.models import AuditEvent


@pytest.fixture
def event(db, clerk):
    return audit.record("insurer.update", actor=clerk, target_label="保険者", detail={"a": 1})


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE portal_auditevent SET action = 'tampered'",
        "DELETE FROM portal_auditevent",
        "TRUNCATE portal_auditevent",
    ],
)
def test_the_database_refuses_to_rewrite_history(event, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    event.refresh_from_db()
    assert event.action == "insurer.update"


def test_the_orm_cannot_delete_or_update_either(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome="failure")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk, outcome="success").exists()


@pytest.mark.parametrize(
    "detail",
    [
        {"number": "123456789018"},
        {"note": "番号は １２３４ ５６７８ ９０１８ です"},
        {"nested": ["1234-5678-9018"]},
    ],
)
def test_detail_refuses_anything_shaped_like_a_full_my_number(db, clerk, detail):
    with pytest.raises(audit.FullNumberInAuditDetail):
        audit.record("insurer.update", actor=clerk, detail=detail)
    # The database holds the same line when the Python check is bypassed.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.create(action="insurer.update", detail=detail)
    assert not AuditEvent.objects.exists()


def test_short_numbers_are_fine_in_details(db, clerk):
    saved = audit.record("insurer.update", actor=clerk, detail={"last4": "9018", "year": 2024})
    assert saved.detail["last4"] == "9018"


def test_unregistered_actions_are_refused(db):
    with pytest.raises(ValueError):
        audit.record("made.up")


def _rows(response) -> str:
    page = response.content.decode()
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_auditor_filters_the_log(client, auditor, clerk, member, insurer):
    audit.record("insurer.update", actor=clerk, target_label="保険者")
    audit.record("auth.login", actor=member, target=member)
    client.force_login(auditor)
    rows = _rows(client.get(reverse("audit_log"), {"action": "insurer.update"}))
    assert "保険者情報の変更" in rows
    assert member.email not in rows
    rows = _rows(client.get(reverse("audit_log"), {"actor": "hanako"}))
    assert "ログイン" in rows and "保険者情報の変更" not in rows
    # Viewing the log is itself recorded.
    assert AuditEvent.objects.filter(action="audit.view", actor=auditor).count() == 2


def test_bad_filters_get_a_message_and_no_500(client, auditor, insurer):
    client.force_login(auditor)
    response = client.get(reverse("audit_log"), {"date_from": "2025-13-45", "page": "x"})
    assert response.status_code == 200
    assert "日付を正しく入力してください" in response.content.decode()
    response = client.get(
        reverse("audit_log"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert "開始日は終了日より前" in response.content.decode()


def test_csv_export_is_itself_audited(client, auditor, clerk, insurer):
    audit.record("insurer.update", actor=clerk, target_label='=HYPERLINK("x")')
    client.force_login(auditor)
    response = client.get(reverse("audit_log"), {"action": "insurer.update", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["日時", "実行者", "ロール", "操作"]
    assert len(rows) == 2
    assert rows[1][6] == '\'=HYPERLINK("x")'  # neutralised for spreadsheets
    assert AuditEvent.objects.filter(action="audit.export", actor=auditor).exists()


@pytest.mark.parametrize("persona", ["member", "employer_user", "clerk", "supervisor"])
def test_only_auditors_see_the_log(client, request, insurer, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("audit_log")).status_code == 404
    assert client.get(reverse("audit_log"), {"format": "csv"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_reset_the_database(clerk):
    # The flush after this test truncates every table; only the harness may pass the guard.
    audit.record("insurer.update", actor=clerk)
    assert AuditEvent.objects.count() == 1
