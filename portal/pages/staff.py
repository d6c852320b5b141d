"""The staff and supervisor menus, each queue with how much waits in it."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from eligibility.models import CertificateApplication
from members.models import MyNumberConflict
from notices.models import MismatchCase
from portal.roles import Role, role_required


def pending_counts() -> dict[str, int]:
    """What waits for the office: open 下4桁相違 cases (and those awaiting approval), 資格確認書
    applications awaiting review, and number conflicts not yet resolved."""
    cases = MismatchCase.objects.filter(status__in=MismatchCase.OPEN_STATUSES).aggregate(
        open_cases=Count("pk"),
        cases_awaiting_approval=Count("pk", filter=Q(status=MismatchCase.Status.PENDING_APPROVAL)),
    )
    return {
        **cases,  # both case counts in one query
        "applications_to_review": CertificateApplication.objects.filter(
            status=CertificateApplication.Status.SUBMITTED
        ).count(),
        "open_conflicts": MyNumberConflict.objects.filter(resolved_at__isnull=True).count(),
    }


@role_required(Role.CLERK, Role.SUPERVISOR)
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/staff_home.html", {"pending": pending_counts()})


@role_required(Role.SUPERVISOR)
@require_GET
def supervisor_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/supervisor_home.html", {"pending": pending_counts()})
