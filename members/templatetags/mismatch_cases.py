"""Mismatch cases for pages owned by other views (the member's home, the staff member page),
so those views need not know about cases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.db.models import Q, QuerySet
from django.utils import timezone

from members.mismatch_models import MismatchCase

register = template.Library()

# Closed cases stay on the member's home for this long, so the outcome can be seen.
SHOW_CLOSED_FOR = timedelta(days=90)


@register.simple_tag
def household_mismatch_cases(user: Any) -> QuerySet[MismatchCase] | list[MismatchCase]:
    if not getattr(user, "is_authenticated", False):
        return []
    recent = timezone.now() - SHOW_CLOSED_FOR
    return (
        MismatchCase.objects.filter(Q(member__account=user) | Q(member__insured__account=user))
        .filter(Q(status__in=MismatchCase.OPEN_STATUSES) | Q(closed_at__gte=recent))
        .select_related("member")
        .defer("proposed_token", "member__mynumber_token", "member__mynumber_hash")
        .order_by("-created_at")
    )


@register.simple_tag
def member_mismatch_cases(member: Any) -> QuerySet[MismatchCase]:
    return (
        MismatchCase.objects.filter(member=member).defer("proposed_token").order_by("-created_at")
    )
