from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from portal.wareki import (
    format_wareki_localized,
    format_wareki_month_localized,
    format_wareki_with_year_localized,
)

register = template.Library()


def _as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def wareki(value: date | datetime | None) -> str:
    """{{ day|wareki }} -> 令和6年12月2日 (other languages: 2024-12-02 (令和6年12月2日))"""
    day = _as_date(value)
    return format_wareki_localized(day) if day else ""


@register.filter
def wareki_year(value: date | datetime | None) -> str:
    """{{ day|wareki_year }} -> 令和6年12月2日 (2024年) (other languages: as |wareki)"""
    day = _as_date(value)
    return format_wareki_with_year_localized(day) if day else ""


@register.filter
def wareki_datetime(value: datetime | None, precision: str = "") -> str:
    """{{ at|wareki_datetime }} -> 令和6年12月2日 (2024年) 09:05, in Asia/Tokyo.

    {{ at|wareki_datetime:"seconds" }} adds the seconds, for the audit trail where the order of
    events within a minute matters.
    """
    if not isinstance(value, datetime):
        return wareki_year(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    clock = "%H:%M:%S" if precision == "seconds" else "%H:%M"
    return f"{format_wareki_with_year_localized(local.date())} {local.strftime(clock)}"


@register.filter
def wareki_month(value: date | datetime | None) -> str:
    """{{ month|wareki_month }} -> 令和6年12月 (2024年), for monthly totals."""
    day = _as_date(value)
    return format_wareki_month_localized(day) if day else ""
