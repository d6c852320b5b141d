"""Who gets a 資格確認書 in bulk: the 職権交付 targets on a date, and the renewal list."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from eligibility.models import EligibilityCertificate, MynaRegistration
from members.models import Member


def held_on(day: date) -> Q:
    """Certificates valid on `day` or later (not returned or revoked by then)."""
    return (
        Q(valid_to__gte=day)
        & (Q(returned_on__isnull=True) | Q(returned_on__gt=day))
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
    )


def ex_officio_targets(as_of: date) -> QuerySet[Member]:
    """Enrolled on `as_of`, no current マイナ保険証 registration, no certificate valid then (or
    already issued to start later, e.g. after a cancelled registration ends)."""
    valid = EligibilityCertificate.objects.filter(held_on(as_of), member=OuterRef("pk"))
    registered = MynaRegistration.objects.filter(
        member=OuterRef("pk"), status=MynaRegistration.Status.REGISTERED
    )
    return (
        Member.objects.enrolled_on(as_of)
        .filter(~Exists(valid), ~Exists(registered))
        .order_by("kigo", "bango", "edaban")
    )


def expiring(today: date, days: int) -> QuerySet[EligibilityCertificate]:
    """Certificates ending within `days` of `today`, still held, not renewed, of people still
    enrolled and without a マイナ保険証 registration: the renewal list."""
    registered = MynaRegistration.objects.filter(
        member=OuterRef("member"), status=MynaRegistration.Status.REGISTERED
    )
    return (
        EligibilityCertificate.objects.filter(
            valid_to__gte=today,
            valid_to__lte=today + timedelta(days=days),
            returned_on__isnull=True,
            revoked_on__isnull=True,
            renewal__isnull=True,
        )
        .filter(Q(member__lost_on__isnull=True) | Q(member__lost_on__gt=today))
        .filter(~Exists(registered))
        .select_related("member__employer")
        .order_by("valid_to", "member__kigo", "member__bango", "member__edaban")
    )
