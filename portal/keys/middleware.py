"""A request refused by a key check (portal.keys.core.ensure) ends with a 503 page in Japanese,
never a 500: the view's transaction has rolled back, so nothing was written with the keys."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.keys.core import KeyCheckFailed, record_refusal


class KeyCheckFailedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, KeyCheckFailed):
            return None
        if not exception.audited:
            record_refusal(exception.problems, request=request)
        return render(request, "key_check_failed.html", status=503)
