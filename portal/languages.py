"""Which language a request speaks, and a member's remembered choice.

Member pages, the public pages and the member e-mails speak ja, en, pt-br or vi; staff,
supervisor, auditor and employer pages stay Japanese whatever the browser asks (their forms,
lists and the official documents are Japanese business records). Django's LocaleMiddleware
reads the cookie and the browser's Accept-Language; this middleware, after authentication,
overrides it: Japanese for the staff and employer areas and roles, the account's remembered
choice for a signed-in member.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from portal import audit
from portal.models import LanguagePreference
from portal.roles import Role, primary_role

# The areas that stay Japanese for everyone: staff work, employers, audit, and the page a
# clinic opens from a notice's QR code.
JAPANESE_ONLY_PREFIXES = ("/staff/", "/supervisor/", "/employer/", "/audit/", "/verify/")
SESSION_KEY = "portal_language"
CODES = frozenset(code for code, _name in settings.LANGUAGES)


def is_japanese_only(request: HttpRequest) -> bool:
    if request.path.startswith(JAPANESE_ONLY_PREFIXES):
        return True
    role = primary_role(getattr(request, "user", None))
    return role is not None and role != Role.MEMBER


class PortalLanguageMiddleware:
    """Activates the request's language; `request.language_switch` says whether the page may
    offer the switch (not on Japanese-only pages)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_japanese_only(request):
            language, switch = settings.LANGUAGE_CODE, False
        else:
            chosen = request.session.get(SESSION_KEY) if request.user.is_authenticated else None
            language = chosen if chosen in CODES else translation.get_language()
            switch = True
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        request.language_switch = switch
        return self.get_response(request)


def _stored(user: Any) -> str | None:
    if user is None or not getattr(user, "pk", None):
        return None
    loaded = type(user).language_preference.related  # the reverse one-to-one
    if loaded.is_cached(user):  # a batch's select_related("account__language_preference")
        preference = loaded.get_cached_value(user)
        chosen = preference.language if preference is not None else None
    else:  # read afresh, never kept on the user: a choice made meanwhile counts
        chosen = (
            LanguagePreference.objects.filter(user_id=user.pk)
            .values_list("language", flat=True)
            .first()
        )
    return chosen if chosen in CODES else None


def language_of(user: Any) -> str:
    """The language for what goes to the account outside a request (the e-mails)."""
    return _stored(user) or settings.LANGUAGE_CODE


@transaction.atomic
def remember(request: HttpRequest, language: str) -> None:
    """A signed-in member's choice, kept on the account (audited when it changes) and in the
    session, so it follows them to other devices and into their e-mails."""
    user = request.user
    request.session[SESSION_KEY] = language
    role = primary_role(user)
    if role is not None and role != Role.MEMBER:
        return  # staff and employers read Japanese; nothing to keep (a new account may link)
    kept = LanguagePreference.objects.select_for_update().filter(user=user).first()
    stored = kept.language if kept is not None else None
    before = stored if stored in CODES else settings.LANGUAGE_CODE
    if kept is None:
        LanguagePreference.objects.create(user=user, language=language)
    elif kept.language != language:
        kept.language = language
        kept.save(update_fields=["language", "updated_at"])
    if before != language:
        audit.record(
            "account.language",
            request=request,
            target=user,
            detail={"from": before, "to": language},
        )


@receiver(user_logged_in)
def _apply_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """The account's choice follows it to every device it signs in on; an account without one
    keeps what the visitor chose before signing in (the cookie), for its e-mails too."""
    if request is None or not hasattr(request, "session"):
        return
    chosen = _stored(user)
    if chosen is not None:
        request.session[SESSION_KEY] = chosen
        return
    before = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if before in CODES and before != settings.LANGUAGE_CODE:
        remember(request, before)
