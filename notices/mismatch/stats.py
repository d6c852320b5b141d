"""The supervisors' report on mismatch cases: open cases by age, median time to close,
corrections per month."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, F
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from members.models import MyNumberConflict
from notices.mismatch.rules import (
    age_buckets,
    age_in_days,
    describe_duration,
    median_duration,
    months_back,
)
from notices.models import MismatchCase
from portal.roles import Role, role_required

S = MismatchCase.Status

REPORT_MONTHS = 12


@role_required(Role.SUPERVISOR)
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    open_created = MismatchCase.objects.filter(status__in=MismatchCase.OPEN_STATUSES).values_list(
        "created_at", flat=True
    )
    durations = list(
        MismatchCase.objects.filter(closed_at__isnull=False)
        .annotate(took=F("closed_at") - F("created_at"))
        .values_list("took", flat=True)
    )
    months = months_back(today, REPORT_MONTHS)
    # Months in the portal's time zone (Asia/Tokyo), as the closing staff saw the date.
    per_month = {
        row["month"].date(): row["n"]
        for row in MismatchCase.objects.filter(status=S.CORRECTED, closed_at__date__gte=months[0])
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(n=Count("pk"))
    }
    by_status = {
        row["status"]: row["n"]
        for row in MismatchCase.objects.values("status").annotate(n=Count("pk"))
    }
    context = {
        "buckets": age_buckets(age_in_days(created, now) for created in open_created),
        "median": describe_duration(median_duration(durations)),
        "closed_count": len(durations),
        "months": [(month, per_month.get(month, 0)) for month in months],
        "by_status": [(status.label, by_status.get(status.value, 0)) for status in S],
        "open_conflicts": MyNumberConflict.objects.filter(resolved_at__isnull=True).count(),
        "last_30_days": MismatchCase.objects.filter(
            created_at__gte=now - timedelta(days=30)
        ).count(),
    }
    return render(request, "notices/mismatch/stats.html", context)
