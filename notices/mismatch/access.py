"""Access to mismatch cases: one helper per caller kind, each a 404 outside its reach."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from members.households import household_ids
from notices.models import MismatchCase
from portal.roles import STAFF_ROLES, roles_of


def _mismatch_cases():
    # The sealed proposal and the member's vault columns are never needed to show a case.
    return MismatchCase.objects.select_related("member__employer").defer(
        "proposed_token", "member__mynumber_token", "member__mynumber_hash"
    )


def get_case_for_staff(request: HttpRequest, pk: int) -> MismatchCase:
    """Any mismatch case, for 業務課 staff; 404 for everyone else."""
    if not roles_of(request.user) & STAFF_ROLES:
        raise Http404
    return get_object_or_404(_mismatch_cases(), pk=pk)


def get_case_for_member(user: Any, pk: int) -> MismatchCase:
    """A mismatch case about someone in the caller's own household; 404 for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    household = household_ids(user)
    return get_object_or_404(_mismatch_cases().filter(member__in=household), pk=pk)


# Closed cases stay on the member's home for this long, so the outcome can be seen.
SHOW_CLOSED_FOR = timedelta(days=90)


def household_cases(people: list[Any] | None) -> list[MismatchCase]:
    """The open and recently closed cases of a household's people (members.households), newest
    first, each given its loaded person: read by member id, no join. None: no household."""
    if not people:
        return []
    recent = timezone.now() - SHOW_CLOSED_FOR
    by_pk = {person.pk: person for person in people}
    found = list(
        MismatchCase.objects.filter(
            Q(status__in=MismatchCase.OPEN_STATUSES) | Q(closed_at__gte=recent),
            member_id__in=list(by_pk),
        )
        .order_by("-created_at")
        .defer("proposed_token")
    )
    for case in found:
        case.member = by_pk[case.member_id]
    return found


def member_cases(member: Any) -> QuerySet[MismatchCase]:
    """Every case about one member, for the staff member page (the caller checked access)."""
    return (
        MismatchCase.objects.filter(member=member).defer("proposed_token").order_by("-created_at")
    )
