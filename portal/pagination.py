"""The page of a list a request asks for, with a message instead of an error for a bad one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext


def page_of(request: HttpRequest, items: QuerySet | Sequence[Any], per_page: int) -> Page:
    number = request.GET.get("page", "1")
    if not (number.isascii() and number.isdigit()):  # str.isdigit() alone takes "²"
        messages.error(
            request, gettext("ページの指定が正しくないため、最初のページを表示しています。")
        )
    return Paginator(items, per_page).get_page(number)
