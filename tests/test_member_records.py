"""Member records in PostgreSQL: enrolment by date, households, and the My Number vault."""

from __future__ import annotations

import base64
import logging
import secrets
from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from members import vault
from members.models import Member, MyNumberConflict
from members.services import MyNumberHeldByAnother, register_my_number, rotate_mynumber_keys
from members.validators import RosterValueError
from portal.models import AuditEvent
from tests.factories import make_member, valid_my_number

NUMBER = valid_my_number(12345678901)  # 123456789018


@pytest.mark.parametrize(
    ("day", "enrolled"),
    [
        (date(2010, 3, 31), False),  # the day before 資格取得
        (date(2010, 4, 1), True),  # 資格取得年月日 itself
        (date(2024, 9, 30), True),  # the last day of work
        (date(2024, 10, 1), False),  # 資格喪失年月日: the day after leaving
    ],
)
def test_enrolment_is_a_function_of_the_date(db, day, enrolled):
    member = make_member(lost_on=date(2024, 10, 1))
    assert member.is_enrolled(day) is enrolled
    assert Member.objects.enrolled_on(day).filter(pk=member.pk).exists() is enrolled


def test_households_group_dependents_under_the_insured_person(db):
    head = make_member()
    child = make_member(insured=head, edaban="01", relation="子", name="山田　太郎")
    assert list(head.dependents.all()) == [child]
    assert child.household_head == head and head.household_head == head
    # A dependent without its insured person cannot exist, not even through raw SQL paths.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member(edaban="02", relation="子", bango=head.bango)


def test_the_database_holds_no_plaintext_number(db, clerk):
    member = make_member()
    register_my_number(member, NUMBER, source="staff", actor=clerk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_member WHERE id = %s", [member.pk])
        raw_row = " ".join(str(value) for value in cursor.fetchone())
    assert NUMBER not in raw_row
    member.refresh_from_db()
    assert member.mynumber_last4 == "9018"
    assert member.mynumber_status == Member.NumberStatus.ON_FILE
    assert vault.decrypt_number(member.mynumber_token, member_id=member.pk) == NUMBER
    event = AuditEvent.objects.get(action="mynumber.register")
    assert event.actor == clerk and event.detail["last4"] == "9018"


def test_a_token_moved_to_another_row_does_not_open(db, clerk):
    first, second = make_member(), make_member()
    register_my_number(first, NUMBER, source="staff")
    with pytest.raises(vault.VaultDecryptError):
        vault.decrypt_number(first.mynumber_token, member_id=second.pk)


def test_the_same_number_on_two_members_is_refused_and_flagged(db, clerk):
    holder, other = make_member(), make_member(name="佐藤　一郎")
    register_my_number(holder, NUMBER, source="staff")
    with pytest.raises(MyNumberHeldByAnother):
        register_my_number(other, "1234 5678 9018", source="import", actor=clerk)
    other.refresh_from_db()
    assert other.mynumber_token == "" and other.mynumber_hash is None
    conflict = MyNumberConflict.objects.get()
    assert (conflict.member, conflict.holder, conflict.offered_last4) == (other, holder, "9018")
    assert AuditEvent.objects.filter(action="mynumber.conflict", outcome="denied").exists()
    # The database refuses it too, should any path skip the service.
    other.mynumber_hash = holder.mynumber_hash
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()


@pytest.mark.parametrize("bad", ["123456789017", "12345678901", "abcdefghijkl", ""])
def test_invalid_numbers_change_nothing(db, bad):
    member = make_member()
    with pytest.raises(RosterValueError) as raised:
        register_my_number(member, bad, source="staff")
    assert bad not in raised.value.message or bad == ""
    member.refresh_from_db()
    assert member.mynumber_token == ""
    assert not AuditEvent.objects.exists()


def test_the_number_never_reaches_the_logs(db, caplog):
    caplog.set_level(logging.DEBUG)
    member = make_member()
    register_my_number(member, NUMBER, source="staff")
    with pytest.raises(MyNumberHeldByAnother):
        register_my_number(make_member(), NUMBER, source="staff")
    assert NUMBER not in caplog.text


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_rotation_reencrypts_under_the_newest_key_and_can_run_twice(db, settings):
    old = f"k1:{_key()}"
    members = [make_member() for _ in range(3)]
    with override_settings(MYNUMBER_KEYS=old):
        for seed, member in enumerate(members, start=1):
            register_my_number(member, valid_my_number(seed), source="staff")
    with override_settings(MYNUMBER_KEYS=f"k2:{_key()},{old}"):
        first = rotate_mynumber_keys(batch_size=2)
        second = rotate_mynumber_keys(batch_size=2)
        for seed, member in enumerate(members, start=1):
            member.refresh_from_db()
            assert member.mynumber_token.startswith("v1:k2:")
            assert vault.decrypt_number(member.mynumber_token, member_id=member.pk) == (
                valid_my_number(seed)
            )
    assert (first.total, first.reencrypted, first.unchanged) == (3, 3, 0)
    assert (second.total, second.reencrypted, second.unchanged) == (3, 0, 3)
    assert AuditEvent.objects.filter(action="mynumber.rotate").count() == 2


def test_rotation_command_reports_counts(db, capsys):
    register_my_number(make_member(), NUMBER, source="staff")
    call_command("rotate_mynumber_keys")
    assert "1 numbers: 0 re-encrypted, 1 already under the current key" in capsys.readouterr().out
