"""Who gets a 資格確認書 in bulk: the 職権交付 targets on a date, and the renewal list."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from eligibility.certificate_rules import next_term_start
from eligibility.models import EligibilityCertificate, MynaRegistration
from members.models import Member
from portal.dates import add_years


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
    """The renewal list: certificates still held and not renewed, of people still enrolled and
    without a マイナ保険証 registration (a 要配慮者 keeps theirs and renews all the same), that
    end within `days` of `today` or that a new 70-74 term (reaching 70, a new 1 August period)
    replaces within them (elderly_due)."""
    registered = MynaRegistration.objects.filter(
        member=OuterRef("member"), status=MynaRegistration.Status.REGISTERED
    )
    held = EligibilityCertificate.objects.filter(
        valid_to__gte=today,
        returned_on__isnull=True,
        revoked_on__isnull=True,
        renewal__isnull=True,
        member__in=Member.objects.enrolled_on(today).values("pk"),
    ).filter(~Exists(registered) | Q(needs_assistance=True))
    ending = Q(valid_to__lte=today + timedelta(days=days))
    return (
        held.filter(ending | Q(pk__in=elderly_due(held.filter(~ending), today, days)))
        .select_related("member__employer", "member__insured")
        .order_by("valid_to", "member__kigo", "member__bango", "member__edaban")
    )


def elderly_due(held: QuerySet[EligibilityCertificate], today: date, days: int) -> list[int]:
    """Of `held`, the certificates that run past the start of a new 70-74 term beginning by
    `today + days`: the holder reaches 70 (the new one carries the 負担割合 from the 発効期日)
    or a new 1 August period begins (the newly imported rate)."""
    horizon = today + timedelta(days=days)
    # Only people in or near the 70-74 years can have such a term: 75 by the horizon at most
    # (their certificates end the day before anyway), 70 by it at least.
    young = add_years(horizon, -70) + timedelta(days=1)
    old = add_years(today, -75)
    rows = held.filter(member__birth_date__lte=young, member__birth_date__gt=old).values_list(
        "pk", "valid_from", "valid_to", "member__birth_date"
    )
    return [
        pk
        for pk, valid_from, valid_to, birth in rows
        if (boundary := next_term_start(birth, valid_from)) is not None
        and boundary <= min(valid_to, horizon)
    ]
