"""Employer logins (事業所担当者): which employer a login acts for, and who there is told.

Accounts are invited and deactivated by 業務課 (eligibility.employers); this module only reads
the link, so that access helpers at this layer can ask which employer a login belongs to.
"""

from __future__ import annotations

from typing import Any

from members.models import Employer, EmployerUser


def employer_link(user: Any) -> EmployerUser | None:
    """The active link of an active employer login, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_employer_link", False)
    if cached is False:
        cached = (
            EmployerUser.objects.select_related("employer").filter(user=user, active=True).first()
        )
        user._employer_link = cached
    return cached


def employer_of(user: Any) -> Employer | None:
    link = employer_link(user)
    return link.employer if link else None


def active_recipients(employer_id: int) -> list[str]:
    """The addresses of the employer's active logins, for notifications."""
    return list(
        EmployerUser.objects.filter(
            employer_id=employer_id, active=True, user__is_active=True, accepted_at__isnull=False
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
