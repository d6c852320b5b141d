from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from portal.wareki import format_wareki, format_wareki_with_year

register = template.Library()


def _as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def wareki(value: date | datetime | None) -> str:
    """{{ day|wareki }} -> 令和6年12月2日"""
    day = _as_date(value)
    return format_wareki(day) if day else ""


@register.filter
def wareki_year(value: date | datetime | None) -> str:
    """{{ day|wareki_year }} -> 令和6年12月2日 (2024年)"""
    day = _as_date(value)
    return format_wareki_with_year(day) if day else ""
