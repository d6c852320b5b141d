"""Finding 11: keys that do not match the data are refused, named, and change nothing.

Each key gets a check value at its first use (portal.keys); a key that differs from it stops
`manage.py check`, /readyz, every command and web path that would hash or seal with it."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from django.core.checks import ERROR, INFO, WARNING
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, ProgrammingError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import vault
from members.models import Member, RosterImport
from members.services import register_my_number
from notices.models import MismatchCase
from portal.keys import core as keys
from portal.keys import system
from portal.keys.core import KeyCheckFailed, check_value
from portal.models import AuditEvent, KeyCheck
from tests.factories import make_member, valid_my_number
from tests.key_world import events, hashes, new_key, same_id_other_key
from tests.mismatch_world import check_all_matched, make_household, propose, report
from tests.personas import PASSWORD, current_totp
from tests.roster_world import DATA, run_file
from tests.roster_world import employers as employers

MISTYPED = [
    # (setting to override, how, the setting and key id the refusal names)
    ("MYNUMBER_HMAC_KEY", lambda s: new_key(), ("MYNUMBER_HMAC_KEY", "")),
    ("MYNUMBER_KEYS", same_id_other_key, ("MYNUMBER_KEYS", "k1")),
    ("MFA_SECRET_KEYS", same_id_other_key, ("MFA_SECRET_KEYS", "m1")),
]


_seeds = itertools.count(424242)


def _used_once() -> Member:
    """Every key used (and so recorded) under the configured settings."""
    member = make_member()
    register_my_number(member, valid_my_number(next(_seeds)), source="staff")
    keys.require("mfa")
    return member


def _mistyped(setting: str, how) -> dict[str, str]:
    from django.conf import settings

    return {setting: how(getattr(settings, setting))}


def test_a_check_value_is_neither_the_key_nor_shared_between_keys_or_settings():
    key, other = b"k" * 32, b"o" * 32
    value = check_value("MYNUMBER_HMAC_KEY", key)
    assert value == check_value("MYNUMBER_HMAC_KEY", key) and len(value) == 64
    assert value != check_value("MYNUMBER_HMAC_KEY", other)
    assert value != check_value("MYNUMBER_KEYS", key)
    assert key.hex() not in value


def test_each_key_is_recorded_at_its_first_use(db):
    assert not KeyCheck.objects.exists()
    _used_once()
    recorded = set(KeyCheck.objects.values_list("setting", "key_id"))
    assert recorded == {
        ("MYNUMBER_KEYS", "k1"),
        ("MYNUMBER_HMAC_KEY", ""),
        ("MFA_SECRET_KEYS", "m1"),
    }
    _used_once()  # a second use records nothing more
    assert KeyCheck.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_first_uses_at_once_record_one_value():
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def first_use() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                keys.ensure("vault")
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert KeyCheck.objects.filter(setting="MYNUMBER_HMAC_KEY").count() == 1
    assert KeyCheck.objects.filter(setting="MYNUMBER_KEYS", key_id="k1").count() == 1


def test_the_roster_reimported_under_another_hash_key_is_refused(employers):
    """The finding: a fresh MYNUMBER_HMAC_KEY beside the database re-"registered" every number."""
    run_file("members.csv")
    before = (hashes(), RosterImport.objects.count(), events("mynumber.register"))
    assert before[2] > 0
    with override_settings(MYNUMBER_HMAC_KEY=new_key()):
        with pytest.raises(CommandError) as refused:
            call_command("import_roster", str(DATA / "members.csv"))
        with pytest.raises(KeyCheckFailed):
            run_file("members.csv")  # the importer itself, as the upload page runs it
    assert "MYNUMBER_HMAC_KEY" in str(refused.value)
    assert (hashes(), RosterImport.objects.count(), events("mynumber.register")) == before


def test_without_a_record_the_stored_hashes_say_the_key_is_wrong(employers):
    """A database from before the check values: the hashes themselves tell the key apart."""
    run_file("members.csv")
    KeyCheck.objects.all().delete()
    before = hashes()
    with override_settings(MYNUMBER_HMAC_KEY=new_key()):
        problems = keys.inspect(["vault"])
        with pytest.raises(KeyCheckFailed):
            run_file("members.csv")
    assert [(p.setting, p.kind) for p in problems] == [("MYNUMBER_HMAC_KEY", "data")]
    assert "does not reproduce the hashes" in problems[0].message
    assert hashes() == before
    assert not KeyCheck.objects.filter(setting="MYNUMBER_HMAC_KEY").exists()


def test_without_a_record_a_stored_token_says_the_vault_key_is_wrong(db):
    _used_once()
    KeyCheck.objects.all().delete()
    with override_settings(MYNUMBER_KEYS=f"k1:{new_key()}"):
        problems = keys.inspect(["vault"])
    assert [(p.setting, p.key_id, p.kind) for p in problems] == [("MYNUMBER_KEYS", "k1", "data")]


@pytest.mark.parametrize(("setting", "how", "named"), MISTYPED)
def test_a_mistyped_key_fails_the_system_check_and_readyz(client, db, setting, how, named):
    _used_once()
    assert [m for m in system.check_messages() if m.level >= WARNING] == []
    assert client.get("/readyz").status_code == 200
    with override_settings(**_mistyped(setting, how)):
        messages = system.check_messages()
        response = client.get("/readyz")
    errors = [m for m in messages if m.level >= ERROR]
    assert [m.id for m in errors] == ["portal.E111"]
    assert named[0] in errors[0].msg and (not named[1] or repr(named[1]) in errors[0].msg)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["keys"] is False
    assert body["key_problems"] == [
        f"{named[0]} key id {named[1]!r}: mismatch" if named[1] else f"{named[0]}: mismatch"
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("setting", "how", "named"), MISTYPED)
def test_a_mistyped_key_is_refused_before_use_and_audited(setting, how, named):
    _used_once()
    group = "mfa" if setting == "MFA_SECRET_KEYS" else "vault"
    with override_settings(**_mistyped(setting, how)), pytest.raises(KeyCheckFailed) as refused:
        keys.require(group)  # as each command does first, outside any transaction
    problem = refused.value.problems[0]
    assert (problem.setting, problem.key_id, problem.kind) == (*named, "mismatch")
    assert refused.value.audited
    event = AuditEvent.objects.get(action="keys.refused")
    assert event.outcome == "denied"
    assert event.detail == {
        "problems": [{"setting": named[0], "key_id": named[1], "kind": "mismatch"}]
    }


def test_a_registration_under_a_mistyped_key_writes_nothing(db):
    member = _used_once()
    other = make_member()
    with override_settings(MYNUMBER_HMAC_KEY=new_key()), pytest.raises(KeyCheckFailed):
        register_my_number(other, valid_my_number(777), source="staff")
    other.refresh_from_db()
    assert other.mynumber_hash is None and other.mynumber_token == ""
    assert events("mynumber.register") == 1 and member.mynumber_hash


def test_a_roster_upload_under_a_mistyped_key_gets_a_503_page(client, employers, clerk):
    run_file("members.csv")
    before = (hashes(), RosterImport.objects.count())
    client.force_login(clerk)
    upload = (DATA / "members.csv").read_bytes()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with override_settings(MYNUMBER_HMAC_KEY=new_key()):
        response = client.post(
            reverse("members:imports"), {"file": SimpleUploadedFile("members.csv", upload)}
        )
    assert response.status_code == 503
    page = response.content.decode()
    assert "暗号鍵の設定が、保存されているデータと一致しません" in page
    assert "入力された内容は保存されていません" in page
    assert (hashes(), RosterImport.objects.count()) == before
    event = AuditEvent.objects.get(action="keys.refused")
    assert event.actor == clerk and event.detail["problems"][0]["setting"] == "MYNUMBER_HMAC_KEY"


@pytest.mark.parametrize(
    "command", ["import_roster", "rotate_mynumber_keys", "rotate_mynumber_hmac_key"]
)
def test_every_vault_command_refuses_a_mistyped_key_naming_it(db, command):
    _used_once()
    args = [str(DATA / "members.csv")] if command == "import_roster" else []
    with (
        override_settings(MYNUMBER_KEYS=f"k1:{new_key()}", MYNUMBER_HMAC_KEY_NEXT=new_key()),
        pytest.raises(CommandError) as refused,
    ):
        call_command(command, *args)
    assert "MYNUMBER_KEYS key id 'k1'" in str(refused.value)
    assert "Put that key back" in str(refused.value)


def test_rotate_mfa_key_refuses_a_mistyped_key(db):
    _used_once()
    with (
        override_settings(MFA_SECRET_KEYS=f"m1:{new_key()}"),
        pytest.raises(CommandError, match="MFA_SECRET_KEYS key id 'm1'"),
    ):
        call_command("rotate_mfa_key")


def test_a_key_id_still_in_use_but_removed_is_named(db):
    _used_once()
    with override_settings(MYNUMBER_KEYS=f"k2:{new_key()}"):
        messages = system.check_messages()
        with pytest.raises(CommandError, match="no key id 'k1', which still seals 1"):
            call_command("rotate_mynumber_keys")
    assert [m.id for m in messages if m.level >= ERROR] == ["portal.E113"]
    assert "MYNUMBER_KEYS has no key id 'k1'" in messages[0].msg


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"MYNUMBER_KEYS": "k1:not-base64"}, "MYNUMBER_KEYS entry 1: key is not base64"),
        ({"MYNUMBER_HMAC_KEY": "c2hvcnQ="}, "MYNUMBER_HMAC_KEY must be at least 32 bytes"),
        ({"MFA_SECRET_KEYS": ""}, "MFA_SECRET_KEYS is empty"),
    ],
)
def test_a_malformed_setting_is_a_system_check_error(db, overrides, expected):
    with override_settings(**overrides):
        messages = system.check_messages()
    assert [(m.id, expected in m.msg) for m in messages if m.level >= ERROR] == [
        ("portal.E110", True)
    ]


@pytest.mark.parametrize(
    ("error", "level", "message_id", "words"),
    [
        (ProgrammingError("relation missing"), INFO, "portal.I110", "not migrated"),
        (OperationalError("no route"), WARNING, "portal.W110", "does not answer"),
    ],
)
def test_the_check_tolerates_a_database_not_migrated_or_unreachable(
    db, monkeypatch, error, level, message_id, words
):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(keys, "_recorded", broken)
    messages = system.check_messages()
    assert [(m.level, m.id) for m in messages] == [(level, message_id)]
    assert words in messages[0].msg
    with pytest.raises(KeyCheckFailed, match=words):  # the guard fails closed
        keys.ensure("vault")


def test_the_guard_reads_the_records_once_per_transaction(db):
    _used_once()
    number = valid_my_number(99)
    keys.invalidate()  # as if a new transaction began
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            vault.number_hash(number)
            vault.number_hash(number)
        reads = [q["sql"] for q in queries.captured_queries if "portal_keycheck" in q["sql"]]
        assert len(reads) == 1 and reads[0].endswith("FOR SHARE")
        with override_settings(MYNUMBER_HMAC_KEY=new_key()), pytest.raises(KeyCheckFailed):
            vault.number_hash(number)  # another configuration is checked again


def test_a_proposal_under_a_mistyped_key_gets_a_503_and_changes_nothing(
    client, insurer, member, clerk
):
    household = make_household(member)
    client.force_login(member)
    case = report(client, household.spouse_notice, "4321")
    client.force_login(clerk)
    check_all_matched(client, case)
    case.refresh_from_db()
    with override_settings(MYNUMBER_HMAC_KEY=new_key()):
        response = propose(client, case)
    assert response.status_code == 503
    case.refresh_from_db()
    assert case.status == MismatchCase.Status.INVESTIGATING and case.proposed_token == ""


def test_a_log_in_under_a_mistyped_mfa_key_gets_a_503(client, insurer, clerk):
    code = current_totp(clerk)
    with override_settings(MFA_SECRET_KEYS=f"m1:{new_key()}"):
        client.post(reverse("account_login"), {"login": clerk.email, "password": PASSWORD})
        response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 503 and "_auth_user_id" not in client.session
