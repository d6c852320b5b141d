"""The member's own name for the layout's greeting, and for allauth's user display: a person is
greeted by name, not by the local part of their e-mail address."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from members.models import Member
from portal.roles import Role, roles_of


def display_name(user: Any) -> str:
    """The linked insured person's name, else the e-mail address (ACCOUNT_USER_DISPLAY)."""
    if getattr(user, "pk", None) is None:
        return ""
    cached = getattr(user, "_portal_display_name", None)
    if cached is None:
        name = Member.objects.filter(account_id=user.pk).values_list("name", flat=True).first()
        cached = user._portal_display_name = name or user.email
    return cached


def member_name(request: HttpRequest) -> dict[str, object]:
    """`member_name`: read only when a page shows it; a view that already holds the household
    sets `user._portal_display_name`, so the member's home costs no extra query."""
    user = getattr(request, "user", None)
    if user is None or Role.MEMBER not in roles_of(user):
        return {"member_name": ""}
    return {"member_name": SimpleLazyObject(lambda: display_name(user))}
