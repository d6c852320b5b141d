"""Authentication events into the audit log."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in
from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from portal import audit
from portal.models import AuditEvent, mask_full_numbers


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record("auth.login", request=request, actor=user, target=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record("auth.logout", request=request, actor=user, target=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # The typed e-mail is kept (truncated) so that auditors can see attacks on an account.
    typed = str(credentials.get("email") or credentials.get("username") or "")[:120]
    # Twelve digits in a typed address would trip the audit guard (a 500): masked instead.
    typed = mask_full_numbers(typed)
    audit.record(
        "auth.login_failed",
        request=request,
        target_label=typed,
        outcome=AuditEvent.Outcome.FAILURE,
        detail={"step": "password"},
    )


@receiver(authentication_failed)
def _second_factor_failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(
        "auth.login_failed",
        request=request,
        actor=user,
        target=user,
        outcome=AuditEvent.Outcome.FAILURE,
        detail={"step": "mfa"},
    )


@receiver(authenticator_added)
def _mfa_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit.record(
        "auth.mfa_activated",
        request=request,
        actor=user,
        target=user,
        detail={"type": authenticator.type},
    )


@receiver(authenticator_removed)
def _mfa_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit.record(
        "auth.mfa_deactivated",
        request=request,
        actor=user,
        target=user,
        detail={"type": authenticator.type},
    )
