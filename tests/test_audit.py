"""The audit log: append-only in PostgreSQL, never a full My Number, readable by auditors only."""

from __future__ import annotations

import ast
import csv
import importlib
import io
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from portal import audit
from portal.audit_actions import ACTION_LABELS
from portal.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "members", "eligibility", "notices")


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
    assert client.get(reverse("audit_log")).status_code == 403
    assert client.get(reverse("audit_log"), {"format": "csv"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_reset_the_database(clerk):
    # The flush after this test truncates every table; only the harness may pass the guard.
    audit.record("insurer.update", actor=clerk)
    assert AuditEvent.objects.count() == 1


# --- the registry: each app's actions in its apps.py, registered in ready() ---------------------


def _sources() -> list[tuple[str, ast.Module]]:
    """Every module of the apps, parsed: (path from the checkout, tree)."""
    return [
        (path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def _is(call: ast.Call, owner: str | None, name: str) -> bool:
    """Whether the call is owner.name(...) (or name(...) when owner is None)."""
    func = call.func
    if owner is None:
        return isinstance(func, ast.Name) and func.id == name
    return (
        isinstance(func, ast.Attribute)
        and func.attr == name
        and isinstance(func.value, ast.Name)
        and func.value.id == owner
    )


def _written_action(call: ast.Call) -> str | None:
    """The action a call writes, when spelled out: the first argument of audit.record(),
    audit.event() and the apps' _audit() helpers, or action= of an AuditEvent made by hand."""
    first: ast.expr | None = None
    if _is(call, "audit", "record") or _is(call, "audit", "event") or _is(call, None, "_audit"):
        first = call.args[0] if call.args else None
    elif _is(call, None, "AuditEvent"):
        first = next((k.value for k in call.keywords if k.arg == "action"), None)
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def test_every_action_the_code_writes_is_registered():
    written: dict[str, str] = {}
    for name, tree in _sources():
        for call in _calls(tree):
            action = _written_action(call)
            if action is not None:
                written.setdefault(action, f"{name}:{call.lineno}")
    # The scan does see the code: helpers, bulk writes and events made by hand included.
    assert {"insurer.update", "mismatch.check", "notice.issue", "mynumber.register"} <= set(written)
    unregistered = {action: at for action, at in written.items() if action not in ACTION_LABELS}
    assert unregistered == {}


def test_each_app_declares_its_actions_once_in_apps_py():
    declared: dict[str, str] = {}
    for app in APPS:
        for action in importlib.import_module(f"{app}.apps").AUDIT_ACTIONS:
            assert action not in declared, f"{action} in both {declared.get(action)} and {app}"
            declared[action] = app
    assert declared.keys() == ACTION_LABELS.keys()


def test_actions_are_registered_in_ready_and_never_at_import_time():
    offenders = []
    for name, tree in _sources():
        if name in {"portal/audit.py", "portal/audit_actions.py"}:
            continue
        registering = [
            call
            for call in _calls(tree)
            if _is(call, "audit", "register")
            or _is(call, "audit", "register_actions")
            or _is(call, None, "register_actions")
        ]
        if name.endswith("/apps.py"):
            in_ready = {
                id(call)
                for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef) and node.name == "ready"
                for call in _calls(node)
            }
            registering = [call for call in registering if id(call) not in in_ready]
        offenders += [f"{name}:{call.lineno}" for call in registering]
    assert offenders == []
    assert not hasattr(audit, "register")  # the import-time way is gone


def test_the_models_do_not_import_the_audit_module():
    # A stored event's label comes from portal.audit_actions: no cycle with portal.audit.
    tree = ast.parse((ROOT / "portal" / "models.py").read_text(encoding="utf-8"))
    imported = {
        f"{node.module}.{alias.name}" if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[:2] == ["portal", "audit"]}
    assert AuditEvent(action="insurer.update").action_label == "保険者情報の変更"
