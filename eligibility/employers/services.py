"""Employer accounts (事業所担当者): invited by 業務課 for one employer, deactivated by them.

An invitee gets an account with no usable password and an e-mail with a one-time link (Django's
password-reset token: it stops working once a password is set, and after
settings.PASSWORD_RESET_TIMEOUT). Setting the password verifies the address; the first login
then reaches nothing but the TOTP set-up (portal.middleware.RequireMFAMiddleware).
Deactivating ends the account's sessions at once.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from members.models import Employer, EmployerUser
from portal import audit
from portal.models import Insurer
from portal.pagination import keyset_rows
from portal.roles import Role


class AccountRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- invitation ------------------------------------------------------------------------------


def invitation_args(user: Any) -> tuple[str, str]:
    """(uidb64, token) of the invitation link; the token dies once a password is set."""
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def invitation_path(user: Any) -> str:
    return reverse("eligibility:employer_invitation", args=invitation_args(user))


def invited_user(uidb64: str, token: str) -> Any | None:
    """The invited account the link is for, while the link is good; else None."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    link = EmployerUser.objects.filter(user=user, active=True).first()
    return user if link is not None else None


def invite(employer: Employer, email: str, *, actor: Any, ip: str | None) -> Any:
    """Create (or re-activate) the employer login for `email` and send the link."""
    email = get_user_model().objects.normalize_email(email.strip())
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(username=email, email=email)
            user.set_unusable_password()
            user.save(update_fields=["password"])
            link = EmployerUser(user=user, employer=employer)
            reinvited = False
        else:
            link = EmployerUser.objects.filter(user=user).first()
            if link is None or link.employer_id != employer.pk:
                raise AccountRefused(
                    "このメールアドレスはすでに別のアカウント(または別の事業所)で使われています。"
                    "別のメールアドレスを指定してください。"
                )
            if link.active and link.accepted_at:
                raise AccountRefused("このメールアドレスの担当者はすでに利用中です。")
            # Re-invited (never accepted, or deactivated): a fresh password and second factor.
            user.is_active = True
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
            Authenticator.objects.filter(user=user).delete()
            reinvited = True
        user.groups.add(Group.objects.get_or_create(name=Role.EMPLOYER.value)[0])
        link.active = True
        link.invited_by = actor
        link.invited_at = timezone.now()
        link.accepted_at = link.deactivated_at = link.deactivated_by = None
        link.save()
        audit.record(
            "employer_user.invite",
            actor=actor,
            ip=ip,
            target=user,
            target_label=email[:120],
            detail={"employer": employer.kigo, "reinvited": reinvited},
        )
        path = invitation_path(user)
        transaction.on_commit(lambda: send_invitation(user, employer, path))
    return user


def send_invitation(user: Any, employer: Employer, path: str) -> None:
    insurer = Insurer.current()
    context = {
        "employer": employer,
        "insurer": insurer,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    message = EmailMultiAlternatives(
        subject=render_to_string(
            "eligibility/employers/email/invitation_subject.txt", context
        ).strip(),
        body=render_to_string("eligibility/employers/email/invitation.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("eligibility/employers/email/invitation.html", context), "text/html"
    )
    message.send()


def accept(user: Any, password: str, *, ip: str | None) -> None:
    """Set the password from the invitation; the link proves the address. The invitee is the
    actor: they are not logged in yet."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        link = EmployerUser.objects.select_for_update().get(user=user)
        link.accepted_at = timezone.now()
        link.save(update_fields=["accepted_at"])
        audit.record(
            "employer_user.accept",
            actor=user,
            ip=ip,
            target=user,
            target_label=user.email[:120],
            detail={"employer": link.employer.kigo},
        )


# --- deactivation ----------------------------------------------------------------------------


def end_sessions(user: Any) -> int:
    """Delete every live session of the user. Sessions are keyed by random ids, so they are
    decoded one by one (unexpired ones only): fine for a portal of this size, and it happens
    only on deactivation."""
    ended = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    # Keyset pages, not iterator(): behind a transaction-mode pooler that reads every session.
    for session in keyset_rows(live, ("pk",)):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def deactivate(link: EmployerUser, *, actor: Any, ip: str | None) -> int:
    """Switch the login off and end its sessions now; returns the sessions ended."""
    with transaction.atomic():
        link = (
            EmployerUser.objects.select_for_update()
            .select_related("user", "employer")
            .get(pk=link.pk)
        )
        if not link.active:
            return 0
        user = link.user
        user.is_active = False
        user.save(update_fields=["is_active"])
        link.active = False
        link.deactivated_at = timezone.now()
        link.deactivated_by = actor
        link.save(update_fields=["active", "deactivated_at", "deactivated_by"])
        ended = end_sessions(user)
        audit.record(
            "employer_user.deactivate",
            actor=actor,
            ip=ip,
            target=user,
            target_label=user.email[:120],
            detail={"employer": link.employer.kigo, "sessions_ended": ended},
        )
    return ended


def ensure_link(user: Any, employer: Employer) -> EmployerUser:
    """Link an existing employer login to its employer (the demo seed and tests); idempotent."""
    link, _ = EmployerUser.objects.get_or_create(
        user=user,
        defaults={
            "employer": employer,
            "invited_at": timezone.now(),
            "accepted_at": timezone.now(),
        },
    )
    return link
