"""An audit row commits with the change it records: when the audit write fails, the change is
undone too (and a change never commits without its row)."""

from __future__ import annotations

import base64
import io
import secrets

import pytest
from django.test import override_settings

from eligibility.applications import csv_upload as application_csv
from eligibility.applications import services as applications
from eligibility.models import CertificateApplication
from members.services import register_my_number, rotate_mynumber_keys
from portal import audit
from portal.models import AuditEvent
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.employer_world import new_hire as new_hire
from tests.factories import make_member, valid_my_number

pytestmark = pytest.mark.django_db


class AuditDown(Exception):
    """The audit write of one action fails, as a full disk or a refused row would."""


@pytest.fixture
def audit_fails(monkeypatch):
    def fail(action: str) -> None:
        real = audit.record

        def record(name: str, **fields):
            if name == action:
                raise AuditDown(name)
            return real(name, **fields)

        monkeypatch.setattr(audit, "record", record)

    return fail


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_a_rotated_batch_commits_with_its_audit_event(audit_fails):
    old = f"k1:{_key()}"
    with override_settings(MYNUMBER_KEYS=old):
        member = make_member()
        register_my_number(member, valid_my_number(7), source="staff")
    with override_settings(MYNUMBER_KEYS=f"k2:{_key()},{old}"):
        audit_fails("mynumber.rotate")
        with pytest.raises(AuditDown):
            rotate_mynumber_keys()
    member.refresh_from_db()
    assert member.mynumber_token.startswith("v1:k1:")


def test_an_uploaded_file_commits_with_its_audit_event(audit_fails, buhin, new_hire):
    data = "記号,番号,枝番,氏名,生年月日,申請理由\r\n1201,8050,00,新井　翔,2003-04-02,1\r\n"
    audit_fails("certificate_application.upload")
    with pytest.raises(AuditDown):
        application_csv.upload(
            io.BytesIO(data.encode()), employer=buhin, applied_on=TODAY, user=None
        )
    assert not CertificateApplication.objects.exists()
    assert not AuditEvent.objects.exists()  # not even the submit events of the file's rows


def test_a_failed_issue_keeps_its_error_with_its_audit_event(audit_fails, buhin, new_hire):
    new_hire.name = "新井　\U0001f600"  # not in any of the fonts: the issue fails
    new_hire.save()
    application = applications.submit(
        buhin, [new_hire], reason="no_card", applied_on=TODAY, user=None
    )
    audit_fails("certificate_application.issue_failed")
    with pytest.raises(AuditDown):
        applications.approve(application, today=TODAY, user=None)
    application.refresh_from_db()
    assert application.status == CertificateApplication.Status.APPROVED
    assert application.issue_error == ""
