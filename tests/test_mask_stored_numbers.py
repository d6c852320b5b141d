"""manage.py mask_stored_numbers: full numbers stored in free text before the refusal existed
are found (pk and field, never the value), masked with --apply and audited, and every text
column of the portal's models is either scanned or exempt with a reason."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from eligibility.models import CertificateApplication
from members.models import Member, RosterImport
from notices.models import MismatchCase, Notice
from notices.services import issue_notice
from portal.management import stored_numbers
from portal.models import AuditEvent
from tests.factories import make_employer, make_member

RUN = "1234 5678 9012"
WIDE = "１２３４ー５６７８ー９０１２"
SPELLINGS = ("1234", "9012", "１２３４", "９０１２", "123456789012")


def _run(*args: str) -> str:
    out = StringIO()
    call_command("mask_stored_numbers", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def stored(db, insurer, member):
    """Rows written as before the fix: queryset.update() passes no validator."""
    employer = make_employer("1201")
    person = make_member(employer, bango="15")
    notice = issue_notice(person, Notice.Reason.INITIAL, now=timezone.now(), notify=False)
    case = MismatchCase.objects.create(
        member=person,
        notice=notice,
        reported_by=member,
        registered_last4="0000",
        reported_last4="4321",
        contact="090-1234-5678",  # eleven digits: a phone number, left alone
        comment="",
    )
    application = CertificateApplication.objects.create(
        employer=employer,
        insured=person,
        applied_on=date(2026, 12, 1),
        reason="other",
        reason_detail="転居のため",
    )
    run = RosterImport.objects.create(
        kind="members", file_name="roster.csv", sha256="0" * 64, size_bytes=10, outcome="rejected"
    )
    Member.objects.filter(pk=person.pk).update(name=f"山田　花子{RUN}", address=f"東京都港区{WIDE}")
    MismatchCase.objects.filter(pk=case.pk).update(comment=f"番号は{RUN}です")
    CertificateApplication.objects.filter(pk=application.pk).update(
        reason_detail="番号\t1234\t5678\t9012"
    )
    RosterImport.objects.filter(pk=run.pk).update(
        errors=[{"line": 3, "message": "個人番号 1234\t5678\t9012 が不正"}]
    )
    return {"member": person, "case": case, "application": application, "run": run}


def _assert_no_value(text: str) -> None:
    for spelling in SPELLINGS:
        assert spelling not in text


def test_a_dry_run_reports_pk_and_field_and_changes_nothing(stored):
    person, case = stored["member"], stored["case"]
    events = AuditEvent.objects.count()
    out = _run()
    _assert_no_value(out)
    assert f"members.Member pk={person.pk} name" in out
    assert f"members.Member pk={person.pk} address" in out
    assert f"notices.MismatchCase pk={case.pk} comment" in out
    assert f"eligibility.CertificateApplication pk={stored['application'].pk} reason_detail" in out
    assert f"members.RosterImport pk={stored['run'].pk} errors" in out
    assert "notices.MismatchCase.contact" not in out
    assert "--apply" in out
    assert Member.objects.get(pk=person.pk).name == f"山田　花子{RUN}"
    assert MismatchCase.objects.get(pk=case.pk).comment == f"番号は{RUN}です"
    assert AuditEvent.objects.count() == events


def test_apply_masks_every_run_audits_each_row_and_a_second_run_finds_nothing(stored):
    person = stored["member"]
    out = _run("--apply")
    _assert_no_value(out)
    masked = Member.objects.get(pk=person.pk)
    assert masked.name == "山田　花子" + "*" * len(RUN)
    assert masked.address == "東京都港区" + "*" * len(WIDE)
    assert MismatchCase.objects.get(pk=stored["case"].pk).comment == f"番号は{'*' * len(RUN)}です"
    assert MismatchCase.objects.get(pk=stored["case"].pk).contact == "090-1234-5678"
    detail = CertificateApplication.objects.get(pk=stored["application"].pk).reason_detail
    assert detail == "番号\t" + "*" * 14
    errors = RosterImport.objects.get(pk=stored["run"].pk).errors
    assert errors == [{"line": 3, "message": "個人番号 " + "*" * 14 + " が不正"}]
    events = AuditEvent.objects.filter(action=stored_numbers.ACTION)
    assert events.count() == 4
    by_model = {event.detail["model"]: event for event in events}
    assert by_model["members.Member"].detail["fields"] == ["address", "name"]
    assert by_model["members.Member"].target_id == str(person.pk)
    for event in events:
        _assert_no_value(str(event.detail) + event.target_label)
    again = _run()
    assert "12桁の数字を含む記録はありません。" in again
    assert _run("--apply").strip() == "12桁の数字を含む記録はありません。"
    assert AuditEvent.objects.filter(action=stored_numbers.ACTION).count() == 4


def test_a_sealed_record_is_reported_and_never_rewritten(db, insurer):
    person = make_member(make_employer("1201"), bango="16")
    Member.objects.filter(pk=person.pk).update(name=f"山田　花子{RUN}")
    person.refresh_from_db()
    notice = issue_notice(person, Notice.Reason.INITIAL, now=timezone.now(), notify=False)
    out = _run("--apply")
    _assert_no_value(out)
    assert f"notices.Notice pk={notice.pk} snapshot" in out and "報告のみ" in out
    assert Notice.objects.get(pk=notice.pk).snapshot == notice.snapshot  # as printed
    assert Member.objects.get(pk=person.pk).name.endswith("*" * len(RUN))
    assert f"notices.Notice pk={notice.pk} snapshot" in _run()


def test_every_text_column_is_scanned_or_exempt_with_a_reason():
    listed = {column.key for column in stored_numbers.COLUMNS}
    assert not listed & set(stored_numbers.EXEMPT), "a column is both scanned and exempt"
    forgotten = [
        f"{model._meta.label}.{column.name}"
        for model, column in stored_numbers.text_columns()
        if f"{model._meta.label}.{column.name}" not in listed | set(stored_numbers.EXEMPT)
    ]
    assert forgotten == [], (
        "add these to portal.management.stored_numbers COLUMNS (free text) or EXEMPT (why not)"
    )


def test_no_listed_column_is_stale():
    for key in [column.key for column in stored_numbers.COLUMNS] + list(stored_numbers.EXEMPT):
        label, name = key.rsplit(".", 1)
        apps.get_model(label)._meta.get_field(name)  # raises for a column that is gone
    for key, reason in stored_numbers.EXEMPT.items():
        assert reason.strip(), key
