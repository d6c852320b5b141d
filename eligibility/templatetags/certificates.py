"""{{ household|household_certificates }}: the household's 資格確認書 for the member dashboard,
so that the dashboard's view needs no change to show them (one query)."""

from __future__ import annotations

from django import template

from eligibility.models import EligibilityCertificate
from members.households import Household

register = template.Library()


@register.filter
def household_certificates(household: Household | None) -> list[EligibilityCertificate]:
    if household is None:
        return []
    return list(
        EligibilityCertificate.objects.filter(member__in=[p.pk for p in household.people])
        .select_related("member")
        .order_by("member__edaban", "-valid_from", "-pk")
    )
