"""Step-up re-authentication: a supervisor types their password again before approving.

allauth's reauthenticate page records {"method": "password", "reauthenticated": True, "at": ...}
in the session's authentication records. allauth's own check would also accept a TOTP code
(mfa_reauthenticate) and lets one entry cover every action for five minutes; an approval that
changes a My Number needs the password itself, recently, and each entry counts for one approval.
"""

from __future__ import annotations

import time

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

_USED_KEY = "members_stepup_used_at"


def _fresh_password_entry(request: HttpRequest, now: float) -> float | None:
    used = float(request.session.get(_USED_KEY, 0))
    times = [
        float(entry["at"])
        for entry in get_authentication_records(request, request.user)
        if entry.get("method") == "password"
        and entry.get("reauthenticated")
        and isinstance(entry.get("at"), (int, float))
    ]
    fresh = [at for at in times if at > used and now - at < settings.STEP_UP_SECONDS]
    return max(fresh) if fresh else None


def has_stepped_up(request: HttpRequest, now: float | None = None) -> bool:
    return _fresh_password_entry(request, time.time() if now is None else now) is not None


def seconds_left(request: HttpRequest, now: float | None = None) -> int:
    now = time.time() if now is None else now
    at = _fresh_password_entry(request, now)
    return 0 if at is None else int(settings.STEP_UP_SECONDS - (now - at))


def consume(request: HttpRequest) -> None:
    """Spend the current entry: the next approval asks for the password again."""
    at = _fresh_password_entry(request, time.time())
    if at is not None:
        request.session[_USED_KEY] = at


def reauthenticate_url(next_url: str) -> str:
    return f"{reverse('account_reauthenticate')}?{urlencode({'next': next_url})}"
