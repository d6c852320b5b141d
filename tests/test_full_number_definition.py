"""One definition of "a full My Number": Python's guard and the audit table's trigger agree."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from members.models import Employer, RosterImport
from portal.models import AuditEvent, audit_text, contains_full_number, mask_full_numbers
from tests import roster_world
from tests.roster_world import DATA

employers = roster_world.employers

# (text, holds a full number)
CASES = [
    ("123456789012", True),
    ("１２３４５６７８９０１２", True),
    ("1234 5678 9012", True),
    ("1234-5678-9012", True),
    ("1234--5678--9012", True),
    ("a1234  5678  9012", True),
    ("1234\t5678\t9012", True),
    ("1234\u30005678\u30009012", True),
    ("1234－5678－9012", True),
    ("1234‐5678‐9012", True),
    ("1234−5678−9012", True),
    ("1234ー5678ー9012", True),
    ("1234ｰ5678ｰ9012", True),
    ("1 2 3 4 5 6 7 8 9 0 1 2", True),
    ("1234\u200b5678\u200b9012", True),
    ("1234 - 5678 - 9012", True),
    ("１２３４ 5678 ９０１２", True),
    ("12345678901", False),
    ("1234 5678 901", False),
    ("1234/5678/9012", False),
    ("1234.5678.9012", False),
    ("1234_5678_9012", False),
    ("1234a5678b9012", False),
    ("記号1201 番号15", False),
    ("2024-04-01 12:30", False),
    ("03-1234-5678", False),
    ("090-1234-5678", False),  # eleven digits: a mobile number is allowed
    ("センター1234", False),
]


def _trigger_refuses(text: str) -> bool:
    """Whether an INSERT into the audit table with `text` as target_label is refused."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO portal_auditevent (at, actor_label, actor_role, action, target_type,"
                " target_id, target_label, outcome, detail) VALUES (now(), '', '', 'test', '',"
                " '', %s, 'success', '{}'::jsonb)",
                [text],
            )
    except DatabaseError:
        return True
    return False


def _trigger_refuses_detail(text: str) -> bool:
    try:
        with transaction.atomic():
            AuditEvent.objects.create(action="test", detail={"list": [1, {"note": text}]})
    except DatabaseError:
        return True
    return False


@pytest.mark.parametrize(("text", "held"), CASES)
def test_python_and_the_trigger_agree(db, text, held):
    assert contains_full_number(text) is held
    assert contains_full_number(audit_text({"note": text}, "")) is held
    assert contains_full_number(audit_text({}, text)) is held
    assert _trigger_refuses(text) is held
    assert _trigger_refuses_detail(text) is held


@pytest.mark.parametrize(("text", "held"), CASES)
def test_masking_leaves_nothing_the_trigger_refuses(db, text, held):
    masked = mask_full_numbers(text)
    assert not contains_full_number(masked)
    assert not _trigger_refuses(masked)
    assert (masked != text) is held


def test_a_long_run_of_separators_is_fast(db):
    text = "1" + " " * 200_000 + "2" * 10
    assert not contains_full_number(text)
    assert contains_full_number(text + "3")


# --- the roster upload whose file name holds a spaced number (finding 1) -------------------------


@pytest.mark.parametrize(
    "name", ["1234--5678--9012.csv", "１２３４ー５６７８ー９０１２.csv", "1234  5678  9012.csv"]
)
def test_a_roster_upload_named_with_a_number_is_applied_masked_and_audited(
    client, clerk, insurer, name
):
    client.force_login(clerk)
    data = (DATA / "employers.csv").read_bytes()
    response = client.post(reverse("members:imports"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302
    run = RosterImport.objects.get()
    assert run.outcome == RosterImport.Outcome.APPLIED
    assert not contains_full_number(run.file_name) and run.file_name.endswith(".csv")
    assert Employer.objects.count() == 3
    event = AuditEvent.objects.get(action="roster.import", target_id=str(run.pk))
    assert not contains_full_number(event.target_label + str(event.detail))
    page = client.get(response["Location"]).content.decode()
    assert not contains_full_number(page)


def test_a_rejected_roster_upload_named_with_a_number_is_audited(client, clerk, insurer):
    client.force_login(clerk)
    response = client.post(
        reverse("members:imports"),
        {"file": SimpleUploadedFile("1234--5678--9012.csv", b"not,a,roster\n")},
    )
    assert response.status_code == 302
    run = RosterImport.objects.get()
    assert run.outcome == RosterImport.Outcome.REJECTED
    assert AuditEvent.objects.filter(action="roster.import", target_id=str(run.pk)).exists()
