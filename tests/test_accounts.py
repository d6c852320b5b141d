"""Logging in and out as each role, through allauth's real forms, and MFA enforcement."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.urls import reverse

from portal.models import AuditEvent
from portal.roles import HOME_URL_NAMES, MFA_REQUIRED, Role
from tests.personas import PASSWORD, current_totp, make_user


def _log_in(client, user, *, password=PASSWORD):
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    if response.status_code == 302 and response["Location"] == reverse("mfa_authenticate"):
        response = client.post(reverse("mfa_authenticate"), {"code": current_totp(user)})
    return response


@pytest.mark.parametrize("role", list(Role))
def test_each_role_logs_in_and_lands_on_its_home_page(client, insurer, everyone, role):
    user = everyone[role]
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    if role in MFA_REQUIRED:
        # The password alone is not enough: the second step asks for the code.
        assert response["Location"] == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session
        response = client.post(reverse("mfa_authenticate"), {"code": current_totp(user)})
    assert response.status_code == 302
    assert response["Location"] == reverse(HOME_URL_NAMES[role])
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor=user).count() == 1


@pytest.mark.parametrize("role", list(Role))
def test_each_role_logs_out(client, insurer, everyone, role):
    user = everyone[role]
    _log_in(client, user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()
    assert client.get(reverse(HOME_URL_NAMES[role])).status_code == 302


def test_a_wrong_second_factor_is_refused_and_audited(client, insurer, clerk):
    client.post(reverse("account_login"), {"login": clerk.email, "password": PASSWORD})
    wrong = format_hotp_value((int(current_totp(clerk)) + 1) % 1_000_000)
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed", actor=clerk)
    assert event.detail == {"step": "mfa"}


def test_a_wrong_password_is_audited_without_the_password(client, insurer, member):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "not-the-password"}
    )
    assert response.status_code == 200
    assert "メールアドレスもしくはパスワードが正しくありません" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.outcome == AuditEvent.Outcome.FAILURE
    assert event.target_label == member.email
    assert "not-the-password" not in str(event.detail)


def test_repeated_failures_are_rate_limited(client, insurer, member):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong-pass"})
    # Even the right password is refused while the limit holds.
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 429}


@pytest.mark.parametrize("role", sorted(MFA_REQUIRED))
def test_staff_and_employers_reach_nothing_until_mfa_is_set_up(
    client, insurer, role, django_capture_on_commit_callbacks
):
    user = make_user(f"new-{role}@example.jp", role)
    Authenticator.objects.filter(user=user).delete()
    _log_in(client, user)
    assert client.session["_auth_user_id"] == str(user.pk)
    for path in ["/", reverse(HOME_URL_NAMES[role]), reverse("account_change_password")]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_activate_totp")
    # Set-up asks for the password once more (allauth's re-authentication), then shows the QR.
    page = client.get(reverse("mfa_activate_totp"))
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    page = client.post(page["Location"], {"password": PASSWORD})
    assert page["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse(HOME_URL_NAMES[role])).status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_activated", actor=user).exists()


def test_members_may_use_the_portal_without_mfa(client, insurer, member):
    assert not Authenticator.objects.filter(user=member).exists()
    _log_in(client, member)
    assert client.get(reverse("members:home")).status_code == 200


def test_staff_cannot_switch_their_second_factor_off(client, insurer, clerk):
    client.force_login(clerk)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=clerk, type=Authenticator.Type.TOTP).exists()
    assert response.status_code in {200, 302, 403, 404}


def test_signup_requires_a_verified_email(client, insurer):
    response = client.post(
        reverse("account_signup"),
        {"email": "new.member@example.jp", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.member@example.jp"]
    assert message.subject.startswith(f"[{insurer.portal_name}]")
    # Logging in before confirming only sends the mail again.
    client.post(reverse("account_login"), {"login": "new.member@example.jp", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", message.body).group(1)
    client.post(link)
    response = client.post(
        reverse("account_login"), {"login": "new.member@example.jp", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("no_role")


def test_login_page_is_in_japanese(client, insurer):
    page = client.get(reverse("account_login")).content.decode()
    assert '<html lang="ja">' in page
    assert "ログイン" in page
    assert insurer.name in page
    assert insurer.helpdesk_phone in page
