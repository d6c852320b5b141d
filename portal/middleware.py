from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portal.roles import needs_mfa

# What an account that must set up MFA may still reach: the set-up itself, logout, and what
# the pages need to render.
_ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/static/",
    "/healthz",
    "/readyz",
)


class RequireMFAMiddleware:
    """Employer and staff accounts reach nothing until a TOTP authenticator is active.

    allauth has no setting for mandatory MFA, hence this middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and needs_mfa(user)
            and not Authenticator.objects.filter(
                user_id=user.pk, type=Authenticator.Type.TOTP
            ).exists()
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
