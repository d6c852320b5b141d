"""The audit table's CHECK constraint: the INSERT trigger refuses twelve digits in a row, but a
role may skip a pgtrigger trigger with SET pgtrigger.ignore; the constraint and its function are
the owner's, so the portal's own role can neither skip, replace nor drop them."""

from __future__ import annotations

import importlib

import pgtrigger
import pytest
from django.db import IntegrityError, transaction

from portal import models
from portal.models import AuditEvent
from tests.test_database_roles import INSUFFICIENT_PRIVILEGE, _sqlstate

pytestmark = pytest.mark.django_db
CHECK_VIOLATION = "23514"
MIGRATION = importlib.import_module("portal.migrations.0005_audit_check_no_full_number")


@pytest.mark.parametrize(
    "fields",
    [
        {"target_label": "1234 5678 9012"},
        {"detail": {"note": "１２３４－５６７８－９０１２"}},
        {"detail": {"nested": ["1234\t5678\t9012"]}},
    ],
    ids=["label", "full-width-detail", "tab-in-nested-detail"],
)
def test_a_full_number_is_refused_even_past_the_trigger(fields):
    with (
        pytest.raises(IntegrityError) as refused,
        pgtrigger.ignore("portal.AuditEvent:audit_no_full_number"),
        transaction.atomic(),
    ):
        AuditEvent.objects.create(action="audit.view", **fields)
    assert refused.value.__cause__.sqlstate == CHECK_VIOLATION
    assert not AuditEvent.objects.exists()


def test_short_numbers_still_go_in_past_the_trigger():
    with pgtrigger.ignore("portal.AuditEvent:audit_no_full_number"):
        AuditEvent.objects.create(action="audit.view", target_label="下4桁 9012 記号 1201")
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE portal_auditevent DROP CONSTRAINT audit_no_full_number_check",
        "CREATE OR REPLACE FUNCTION portal_audit_holds_full_number(jsonb, text) "
        "RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT false$$",
        "DROP FUNCTION portal_audit_holds_full_number(jsonb, text)",
    ],
    ids=["drop-constraint", "replace-function", "drop-function"],
)
def test_the_portal_cannot_take_the_constraint_away(statement):
    assert _sqlstate(statement) == INSUFFICIENT_PRIVILEGE


def test_the_constraint_and_the_python_definition_agree():
    # A change to the one definition needs a new migration for the constraint as well.
    assert MIGRATION.FULL_NUMBER_PATTERN == models.FULL_NUMBER_PATTERN
    assert models._AUDIT_TEXT_SQL.replace("NEW.", "") == MIGRATION._TEXT
