"""Finding 9: each of the three keys rotates, and nothing stored under the old one is lost.

MYNUMBER_KEYS: the numbers and the corrections waiting for approval are re-encrypted together.
MYNUMBER_HMAC_KEY: every hash is recomputed in one transaction; duplicates are still found.
MFA_SECRET_KEYS: the second factors no longer depend on SECRET_KEY, and re-seal under a new key.
"""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from members import vault
from members.models import Member
from members.services import MyNumberHeldByAnother, register_my_number
from notices.models import MismatchCase
from portal.keys import core as keys
from portal.keys import mfa, system
from portal.keys.core import KeyCheckFailed
from portal.models import AuditEvent, KeyCheck
from tests.factories import make_member, valid_my_number
from tests.key_world import (
    events,
    hashes,
    legacy_seal,
    log_in_with_totp,
    make_totp_legacy,
    mfa_first,
    new_key,
    number_of,
    ring_first,
)
from tests.mismatch_world import RIGHT_NUMBER, make_household, post, propose, report, step_up
from tests.personas import PASSWORD, current_totp

S = MismatchCase.Status


def _out(command: str, **overrides) -> str:
    out = io.StringIO()
    with override_settings(**overrides):
        call_command(command, stdout=out, stderr=out)
    return out.getvalue()


# --- MYNUMBER_KEYS: numbers and pending corrections --------------------------------------------


@pytest.fixture
def pending(client, insurer, member, clerk):
    household = make_household(member)
    client.force_login(member)
    case = report(client, household.spouse_notice, "4321")
    client.force_login(clerk)
    assert post(client, "mismatch_check", case, dict.fromkeys(MismatchCase.CHECK_FIELDS, "1"))
    assert propose(client, case).status_code == 302
    case.refresh_from_db()
    assert case.status == S.PENDING_APPROVAL and case.proposed_token.startswith("v1:k1:")
    return case


def test_a_pending_correction_is_approved_after_rotation_and_the_old_key_removed(
    client, pending, supervisor
):
    new = new_key()
    output = _out("rotate_mynumber_keys", MYNUMBER_KEYS=ring_first("k9", new))
    assert "3 numbers: 3 re-encrypted" in output
    assert "pending_corrections: 1 sealed, 1 re-encrypted" in output
    pending.refresh_from_db()
    assert pending.proposed_token.startswith("v1:k9:")
    columns = AuditEvent.objects.filter(action="mynumber.rotate").values_list("detail", flat=True)
    assert {d["column"] for d in columns} == {"members", "pending_corrections"}
    with override_settings(MYNUMBER_KEYS=f"k9:{new}"):  # k1 is gone
        assert [m for m in system.check_messages() if m.id == "portal.E113"] == []
        client.force_login(supervisor)
        step_up(client, pending)
        assert post(client, "mismatch_approve", pending).status_code == 302
        pending.refresh_from_db()
        spouse = Member.objects.get(pk=pending.member_id)
        assert pending.status == S.CORRECTED
        assert spouse.mynumber_token.startswith("v1:k9:") and number_of(spouse) == RIGHT_NUMBER


def test_a_key_removed_before_rotation_is_named_with_the_pending_correction(db, pending):
    with override_settings(MYNUMBER_KEYS=f"k9:{new_key()}"):
        retired = keys.retired_in_use(["vault"])
    assert [(p.key_id, p.kind) for p in retired] == [("k1", "retired")]
    assert "still seals 3 stored value(s)" in retired[0].message  # 2 numbers and the proposal


# --- MYNUMBER_HMAC_KEY -------------------------------------------------------------------------


@pytest.fixture
def numbered(db):
    members = [make_member() for _ in range(3)]
    for seed, member in enumerate(members, start=1):
        register_my_number(member, valid_my_number(seed), source="staff")
    return members


def test_the_hash_key_rotates_and_a_duplicate_is_still_found(numbered):
    new = new_key()
    output = _out("rotate_mynumber_hmac_key", MYNUMBER_HMAC_KEY_NEXT=new)
    assert "3 numbers: 3 re-hashed, 0 unchanged." in output
    assert "Now set MYNUMBER_HMAC_KEY to it" in output
    key = vault.parse_hmac_key(new)
    for seed, member in enumerate(numbered, start=1):
        member.refresh_from_db()
        assert member.mynumber_hash == vault.number_hash(valid_my_number(seed), key=key)
    record = KeyCheck.objects.get(setting="MYNUMBER_HMAC_KEY")
    assert record.check_value == keys.check_value("MYNUMBER_HMAC_KEY", key)
    event = AuditEvent.objects.get(action="mynumber.hmac_rotate")
    assert event.detail == {"total": 3, "rehashed": 3, "unchanged": 0}
    # A process still on the old key may no longer hash.
    with pytest.raises(KeyCheckFailed, match="MYNUMBER_HMAC_KEY"):
        register_my_number(make_member(), valid_my_number(50), source="staff")
    with override_settings(MYNUMBER_HMAC_KEY=new):
        with pytest.raises(MyNumberHeldByAnother):
            register_my_number(make_member(), valid_my_number(2), source="staff")
        register_my_number(make_member(), valid_my_number(60), source="staff")


def test_the_hash_rotation_can_run_again(numbered):
    new = new_key()
    _out("rotate_mynumber_hmac_key", MYNUMBER_HMAC_KEY_NEXT=new)
    after = hashes()
    again = _out("rotate_mynumber_hmac_key", MYNUMBER_HMAC_KEY_NEXT=new)
    switched = _out("rotate_mynumber_hmac_key", MYNUMBER_HMAC_KEY=new, MYNUMBER_HMAC_KEY_NEXT=new)
    assert "re-hashed" not in again and "Now set MYNUMBER_HMAC_KEY to it" in again
    assert "already configured" not in switched
    assert hashes() == after and events("mynumber.hmac_rotate") == 1


def test_the_hash_rotation_refuses_duplicates_hashed_under_two_keys(numbered):
    """The finding's aftermath: a number registered again under a mistyped hash key."""
    first = numbered[0]
    twin = make_member()
    number = valid_my_number(1)
    Member.objects.filter(pk=twin.pk).update(
        mynumber_token=vault.encrypt_number(number, member_id=twin.pk),
        mynumber_hash=vault.number_hash(number, key=vault.parse_hmac_key(new_key())),
        mynumber_last4=number[-4:],
    )
    before = (hashes(), KeyCheck.objects.get(setting="MYNUMBER_HMAC_KEY").check_value)
    with pytest.raises(CommandError) as refused:
        _out("rotate_mynumber_hmac_key", MYNUMBER_HMAC_KEY_NEXT=new_key())
    assert f"member ids {first.pk}/{twin.pk}" in str(refused.value)
    assert number not in str(refused.value)
    assert (hashes(), KeyCheck.objects.get(setting="MYNUMBER_HMAC_KEY").check_value) == before
    denied = AuditEvent.objects.get(action="mynumber.hmac_rotate")
    assert denied.outcome == "denied" and number not in str(denied.detail)


@pytest.mark.parametrize(
    ("next_key", "message"),
    [
        ("", "Set MYNUMBER_HMAC_KEY_NEXT to the new key"),
        ("not base64!", "MYNUMBER_HMAC_KEY_NEXT is not base64"),
        ("c2hvcnQ=", "MYNUMBER_HMAC_KEY_NEXT must be at least 32 bytes"),
    ],
)
def test_the_hash_rotation_needs_a_new_key(numbered, next_key, message):
    before = hashes()
    with pytest.raises(CommandError, match=message):
        _out("rotate_mynumber_hmac_key", MYNUMBER_HMAC_KEY_NEXT=next_key)
    assert hashes() == before


# --- MFA_SECRET_KEYS ---------------------------------------------------------------------------


def _sealed(user) -> list[str]:
    return [v for a in Authenticator.objects.filter(user=user) for v in mfa.sealed_values(a.data)]


def test_a_second_factor_survives_a_new_secret_key(client, insurer, clerk):
    assert all(value.startswith("v1:m1:") for value in _sealed(clerk))
    with override_settings(SECRET_KEY=new_key()):
        assert log_in_with_totp(client, clerk) == 302
        assert client.get("/staff/").status_code == 200


def test_a_legacy_secret_opens_until_resealed_then_survives_a_new_secret_key(
    client, insurer, clerk, settings
):
    make_totp_legacy(clerk)
    old_secret_key = settings.SECRET_KEY
    assert log_in_with_totp(client, clerk) == 302  # still opens under SECRET_KEY
    with override_settings(SECRET_KEY=new_key()):
        assert [m.id for m in system.check_messages() if m.id == "portal.W111"] == ["portal.W111"]
        client.logout()
        with override_settings(SECRET_KEY_FALLBACKS=[old_secret_key]):
            assert log_in_with_totp(client, clerk) == 302
    assert [m.id for m in system.check_messages() if m.id == "portal.I111"] == ["portal.I111"]
    output = _out("rotate_mfa_key")
    assert "2 authenticators: 2 re-sealed" in output
    assert all(value.startswith("v1:m1:") for value in _sealed(clerk))
    with override_settings(SECRET_KEY=new_key()):
        assert log_in_with_totp(client, clerk) == 302


def test_a_legacy_secret_under_a_lost_secret_key_gets_a_503_not_a_500(client, insurer, clerk):
    make_totp_legacy(clerk)
    code = current_totp(clerk)
    with override_settings(SECRET_KEY=new_key()):
        client.post(reverse("account_login"), {"login": clerk.email, "password": PASSWORD})
        response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 503
    assert "システム管理者にご連絡ください" in response.content.decode()
    assert "_auth_user_id" not in client.session
    refused = AuditEvent.objects.get(action="keys.refused")
    assert refused.detail["problems"][0]["setting"] == "SECRET_KEY"


def test_the_mfa_key_rotates_and_the_old_one_can_go(client, insurer, clerk):
    codes = RecoveryCodes(
        Authenticator.objects.get(user=clerk, type=Authenticator.Type.RECOVERY_CODES)
    ).generate_codes()
    new = new_key()
    output = _out("rotate_mfa_key", MFA_SECRET_KEYS=mfa_first("m2", new))
    assert "2 authenticators: 2 re-sealed, 0 already under the current key" in output
    assert all(value.startswith("v1:m2:") for value in _sealed(clerk))
    with override_settings(MFA_SECRET_KEYS=f"m2:{new}"):
        assert keys.retired_in_use(["mfa"]) == []
        assert log_in_with_totp(client, clerk) == 302
        recovery = Authenticator.objects.get(user=clerk, type=Authenticator.Type.RECOVERY_CODES)
        assert RecoveryCodes(recovery).generate_codes() == codes
        assert "0 re-sealed, 2 already" in _out("rotate_mfa_key")
    assert AuditEvent.objects.filter(action="keys.mfa_rotate").count() == 1


def test_the_mfa_rotation_refuses_while_a_key_in_use_is_missing(db, clerk):
    before = _sealed(clerk)
    with pytest.raises(CommandError, match="MFA_SECRET_KEYS has no key id 'm1'"):
        _out("rotate_mfa_key", MFA_SECRET_KEYS=f"m2:{new_key()}")
    assert _sealed(clerk) == before


def test_legacy_and_current_values_open_and_a_wrong_key_does_not():
    with override_settings(SECRET_KEY="s" * 50, MFA_SECRET_KEYS=f"m1:{new_key()}"):
        legacy = legacy_seal("JBSWY3DPEHPK3PXP")
        current = mfa.seal("JBSWY3DPEHPK3PXP")
        assert mfa.unseal(legacy) == mfa.unseal(current) == "JBSWY3DPEHPK3PXP"
        assert mfa.needs_resealing(legacy) and not mfa.needs_resealing(current)
        assert "JBSWY3DPEHPK3PXP" not in current and current.startswith("v1:m1:")
        with (
            override_settings(MFA_SECRET_KEYS=f"m1:{new_key()}"),
            pytest.raises(mfa.MFASecretError),
        ):
            mfa.unseal(current)
        with override_settings(SECRET_KEY="t" * 50), pytest.raises(mfa.MFASecretError):
            mfa.unseal(legacy)
