"""Employer accounts: a clerk invites by e-mail, the invitee sets a password and then must set
up TOTP before anything else; a clerk deactivates an account and its sessions end at once."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from members.models import EmployerUser
from portal.models import AuditEvent
from portal.roles import Role, roles_of
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import brakes as brakes
from tests.employer_world import buhin as buhin
from tests.employer_world import hr as hr
from tests.personas import PASSWORD, current_totp

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-password-2026"


def _invite(client, clerk, employer, email, capture):
    client.force_login(clerk)
    with capture(execute=True):
        return client.post(
            reverse("eligibility:employer_users"),
            {"employer": employer.pk, "email": email},
            follow=True,
        )


def _link_in(message) -> str:
    return re.search(r"http://\S+/employer/invitation/\S+/", message.body).group()


def test_an_invitee_sets_a_password_then_must_set_up_totp(
    client, clerk, buhin, mailoutbox, django_capture_on_commit_callbacks
):
    page = _invite(
        client, clerk, buhin, "new.hr@buhin.example.jp", django_capture_on_commit_callbacks
    )
    assert "招待メールを送りました" in page.content.decode()
    user = get_user_model().objects.get(email="new.hr@buhin.example.jp")
    assert not user.has_usable_password() and roles_of(user) == {Role.EMPLOYER}
    link = EmployerUser.objects.get(user=user)
    assert link.employer == buhin and link.invited_by == clerk and link.state == "invited"
    (message,) = mailoutbox
    assert message.to == ["new.hr@buhin.example.jp"]
    assert "日本部品工業株式会社" in message.body and message.alternatives
    url = _link_in(message).removeprefix("http://127.0.0.1:8000")

    client.logout()
    form = client.get(url)
    assert form.status_code == 200 and "new.hr@buhin.example.jp" in form.content.decode()
    mismatch = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": "other"})
    assert (
        mismatch.status_code == 200
        and not get_user_model().objects.get(pk=user.pk).has_usable_password()
    )
    done = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("account_login")
    link.refresh_from_db()
    assert link.accepted_at and link.state == "active"
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(url).status_code == 404  # the link works once
    assert AuditEvent.objects.filter(action="employer_user.accept", actor=user).exists()

    # Logging in reaches nothing but the TOTP set-up.
    client.post(reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)
    for name in ["members:employer_home", "eligibility:employer_people"]:
        response = client.get(reverse(name))
        assert response["Location"] == reverse("mfa_activate_totp"), name


def test_invitations_are_refused_for_addresses_in_use(
    client, clerk, member, hr, buhin, brakes, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    page = _invite(client, clerk, buhin, member.email, capture).content.decode()
    assert "すでに別のアカウント" in page
    assert not EmployerUser.objects.filter(user=member).exists()
    page = _invite(client, clerk, brakes, hr.email, capture).content.decode()
    assert "すでに別のアカウント(または別の事業所)" in page
    page = _invite(client, clerk, buhin, hr.email, capture).content.decode()
    assert "すでに利用中です" in page
    page = _invite(client, clerk, buhin, "not-an-address", capture).content.decode()
    assert "メールアドレスの形が正しくありません" in page


def test_a_bad_or_stale_link_is_a_404_that_says_so(
    client, clerk, buhin, mailoutbox, django_capture_on_commit_callbacks
):
    _invite(client, clerk, buhin, "late@buhin.example.jp", django_capture_on_commit_callbacks)
    url = _link_in(mailoutbox[0]).removeprefix("http://127.0.0.1:8000")
    client.logout()
    broken = client.get(url[:-3] + "xx/")
    assert broken.status_code == 404 and "このリンクは使えません" in broken.content.decode()
    # A second invitation replaces the first link.
    _invite(client, clerk, buhin, "late@buhin.example.jp", django_capture_on_commit_callbacks)
    client.logout()
    assert client.get(url).status_code == 404
    assert (
        client.get(_link_in(mailoutbox[1]).removeprefix("http://127.0.0.1:8000")).status_code == 200
    )


def test_deactivation_ends_the_sessions_at_once(
    client, clerk, hr, buhin, django_capture_on_commit_callbacks
):
    hr_client = Client()
    hr_client.post(reverse("account_login"), {"login": hr.email, "password": PASSWORD})
    hr_client.post(reverse("mfa_authenticate"), {"code": current_totp(hr)})
    assert hr_client.get(reverse("eligibility:employer_people")).status_code == 200

    link = EmployerUser.objects.get(user=hr)
    client.force_login(clerk)
    users_page = client.get(reverse("eligibility:employer_users")).content.decode()
    assert hr.email in users_page and "利用中" in users_page
    response = client.post(
        reverse("eligibility:deactivate_employer_user", args=[link.pk]), follow=True
    )
    assert "セッション 1件を終了" in response.content.decode()
    hr.refresh_from_db()
    link.refresh_from_db()
    assert not hr.is_active and not link.active and link.deactivated_by == clerk
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(hr.pk) for s in Session.objects.all()
    )
    response = hr_client.get(reverse("eligibility:employer_people"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    event = AuditEvent.objects.get(action="employer_user.deactivate")
    assert event.actor == clerk and event.detail["sessions_ended"] == 1
    # Logging in again fails.
    hr_client.post(reverse("account_login"), {"login": hr.email, "password": PASSWORD})
    assert "_auth_user_id" not in hr_client.session

    # Inviting the address again re-activates it with a new password and a new second factor.
    _invite(client, clerk, buhin, hr.email, django_capture_on_commit_callbacks)
    hr.refresh_from_db()
    link.refresh_from_db()
    assert hr.is_active and link.active and link.state == "invited"
    assert not hr.has_usable_password()
    assert not Authenticator.objects.filter(user=hr).exists()


def test_only_staff_manage_employer_accounts(client, hr, auditor, member):
    link = EmployerUser.objects.get(user=hr)
    for user in (hr, auditor, member):
        client.force_login(user)
        assert client.get(reverse("eligibility:employer_users")).status_code == 403
        url = reverse("eligibility:deactivate_employer_user", args=[link.pk])
        assert client.post(url).status_code == 403
    hr.refresh_from_db()
    assert hr.is_active
