"""Session limits: an idle timeout for everyone who sees other people's data, and an absolute
limit from the login for everyone.

Django's SESSION_COOKIE_AGE only bounds a session's life from its last save; neither limit
can be expressed with it, hence this middleware. Times are epoch seconds in the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from portal import audit
from portal.roles import MFA_REQUIRED, roles_of

LOGIN_AT = "_portal_login_at"
LAST_SEEN = "_portal_last_seen"
LAST_SEEN_STEP = 60  # seconds between writes of LAST_SEEN
# Staff, supervisors, auditors and employer users: the roles that see other people's data.
IDLE_LIMITED_ROLES = MFA_REQUIRED

IDLE_MESSAGE = "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"
ABSOLUTE_MESSAGE = (
    "ログインから{hours}時間が経過したため、ログアウトしました。もう一度ログインしてください。"
)


@receiver(user_logged_in)
def _start_the_clock(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT] = now
        request.session[LAST_SEEN] = now


def _expired(request: HttpRequest, now: float) -> str | None:
    """'absolute' or 'idle' when the session is past a limit, else None."""
    session = request.session
    login_at = session.get(LOGIN_AT)
    if login_at is not None and now - login_at > settings.SESSION_ABSOLUTE_SECONDS:
        return "absolute"
    last_seen = session.get(LAST_SEEN)
    if (
        last_seen is not None
        and roles_of(request.user) & IDLE_LIMITED_ROLES
        and now - last_seen > settings.SESSION_IDLE_SECONDS_STAFF
    ):
        return "idle"
    return None


class SessionLimitsMiddleware:
    """Logs out a session past either limit (audited), and sends the browser to the login page
    with a message saying why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        reason = _expired(request, now)
        if reason is not None:
            return self._log_out(request, reason, now)
        session = request.session
        # Sessions from before this middleware existed start their clock now.
        session.setdefault(LOGIN_AT, now)
        # The idle clock moves at most once a minute: writing it on every request would save
        # the session row on every page; a minute is nothing against a 30-minute limit.
        last_seen = session.get(LAST_SEEN)
        if last_seen is None or (
            roles_of(request.user) & IDLE_LIMITED_ROLES and now - last_seen >= LAST_SEEN_STEP
        ):
            session[LAST_SEEN] = now
        return self.get_response(request)

    def _log_out(self, request: HttpRequest, reason: str, now: float) -> HttpResponse:
        session = request.session
        since = session.get(LOGIN_AT if reason == "absolute" else LAST_SEEN, now)
        audit.record(
            "auth.session_expired",
            request=request,
            target=request.user,
            detail={"reason": reason, "seconds": int(now - since)},
        )
        logout(request)
        if reason == "idle":
            messages.info(request, IDLE_MESSAGE)
        else:
            hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
            messages.info(request, ABSOLUTE_MESSAGE.format(hours=hours))
        # A page asked for is shown again after the login; a form posted is not replayed.
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        return redirect(settings.LOGIN_URL)
