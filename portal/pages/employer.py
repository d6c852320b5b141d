"""The employer's home page: its pending work and the people who may need a 資格確認書."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from eligibility.certificates.targets import ex_officio_targets
from eligibility.models import (
    ApplicationPerson,
    CertificateApplication,
)
from eligibility.rules import MYNA_HOKENSHO_START
from members.employers import employer_link
from members.models import Employer, Member, vault_columns
from portal import audit

SUGGESTIONS = 20


def new_arrivals(employer: Employer, today: date) -> QuerySet[Member]:
    """The typical cases: people who joined on or after 2024-12-02 (no legacy card was ever
    issued to them) and have nothing yet: no registration, no certificate, no application."""
    pending = ApplicationPerson.objects.filter(member=OuterRef("pk"), open=True)
    return (
        ex_officio_targets(today)
        .filter(employer=employer, acquired_on__gte=MYNA_HOKENSHO_START)
        .filter(~Exists(pending))
        .defer(*vault_columns())
    )


def home_context(request: HttpRequest) -> dict[str, Any]:
    """The employer menu (members:employer_home renders it)."""
    link = employer_link(request.user)
    if link is None:
        return {"employer": None}
    today = timezone.localdate()
    counts = dict(
        CertificateApplication.objects.filter(employer=link.employer)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    suggestions = list(new_arrivals(link.employer, today)[:SUGGESTIONS])
    if suggestions:
        audit.record(
            "employer.people_list",
            request=request,
            target=link.employer,
            target_label=str(link.employer),
            detail={"page": "home", "rows": len(suggestions)},
        )
    return {
        "employer": link.employer,
        "counts": {status: counts.get(status, 0) for status in CertificateApplication.Status},
        "suggestions": suggestions,
        "today": today,
    }
