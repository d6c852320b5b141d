from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
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


def _has_totp(user: Any) -> bool:
    # Loaded with the user by portal.auth_backends; any other user object asks.
    loaded = getattr(user, "_portal_has_totp", None)
    if loaded is not None:
        return loaded
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


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
            and not _has_totp(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


# Pages anyone may cache when nobody is signed in: they hold nothing personal.
_PUBLIC_CACHEABLE_EXACT = frozenset({"/"})
_PUBLIC_CACHEABLE_PREFIXES = ("/guide/", "/static/")

# The portal uses none of these browser features; no page (nor anything injected into one)
# may ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class PrivacyHeadersMiddleware:
    """Every response: a Permissions-Policy that denies every browser feature; and
    `Cache-Control: private, no-store` on everything but static files and the public pages
    seen anonymously, so that no page with personal data can forget it.

    A view's own no-store header (exports, never_cache) is left as it is.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not _may_be_cached(request) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        return response


def _may_be_cached(request: HttpRequest) -> bool:
    path = request.path
    if path.startswith(settings.STATIC_URL):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return path in _PUBLIC_CACHEABLE_EXACT or path.startswith(_PUBLIC_CACHEABLE_PREFIXES)
