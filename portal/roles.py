"""Roles (Django groups), who needs MFA, where each role lands, and the view decorator."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse


class Role(StrEnum):
    MEMBER = "member"
    EMPLOYER = "employer"
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MEMBER: "加入者",
    Role.EMPLOYER: "事業所担当者",
    Role.CLERK: "業務課",
    Role.SUPERVISOR: "業務課(承認者)",
    Role.AUDITOR: "監査担当",
}
# Everyone who sees other people's data must prove a second factor.
MFA_REQUIRED = frozenset({Role.EMPLOYER, Role.CLERK, Role.SUPERVISOR, Role.AUDITOR})
STAFF_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR})
HOME_URL_NAMES = {
    Role.MEMBER: "members:home",
    Role.EMPLOYER: "members:employer_home",
    Role.CLERK: "staff_home",
    Role.SUPERVISOR: "supervisor_home",
    Role.AUDITOR: "audit_log",
}
# When an account holds several roles (rare: a supervisor is not also a member), the most
# privileged one decides where it lands.
_PRECEDENCE = [Role.SUPERVISOR, Role.CLERK, Role.AUDITOR, Role.EMPLOYER, Role.MEMBER]


def roles_of(user: Any) -> frozenset[Role]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        # Loaded with the user by portal.auth_backends; any other user object asks.
        loaded = getattr(user, "_portal_group_names", None)
        names = set(loaded if loaded is not None else user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        user._portal_roles = cached
    return cached


def primary_role(user: Any) -> Role | None:
    roles = roles_of(user)
    return next((role for role in _PRECEDENCE if role in roles), None)


def needs_mfa(user: Any) -> bool:
    return bool(roles_of(user) & MFA_REQUIRED)


def home_url(user: Any) -> str:
    role = primary_role(user)
    return reverse(HOME_URL_NAMES[role]) if role else reverse("no_role")


def role_required(*allowed: Role) -> Callable:
    """Login required, then one of the roles. A signed-in account without any of them gets the
    branded 403 page (a member who followed a staff link learns it is not for this account);
    it says nothing about any object. Objects out of reach stay a plain 404 (the access
    helpers), as if nothing were there."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not roles_of(request.user) & set(allowed):
                return wrong_role(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def wrong_role(request: HttpRequest) -> HttpResponse:
    """The page for an account that lacks the URL's role: 403, a way home, nothing written."""
    return render(request, "portal/wrong_role.html", status=403)
