"""The staff list of people with no valid way to prove eligibility, on screen and as CSV."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from eligibility.followup import services as followup
from eligibility.followup.forms import NoDocumentFilterForm
from portal import audit
from portal.pagination import page_of
from portal.responses import private_csv
from portal.roles import STAFF_ROLES, role_required

PER_PAGE = 50


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "HEAD"])
def no_valid_document(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = NoDocumentFilterForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "page": None}
    if form.is_bound and not form.is_valid():
        messages.error(request, "検索条件に誤りがあります。内容を確かめてください。")
        return render(request, "eligibility/followup/no_valid_document.html", context)
    data = form.cleaned_data if form.is_bound else {}
    employer, day = data.get("employer"), data.get("day") or today
    pks = followup.without_valid_document(day, employer)
    scope = {"day": day.isoformat(), "employer": employer.kigo if employer else None}
    if request.GET.get("format") == "csv":
        audit.record(
            "eligibility.no_document_export", request=request, detail={**scope, "rows": len(pks)}
        )
        name = f"no-valid-document-{employer.kigo if employer else 'all'}-{day:%Y%m%d}.csv"
        return private_csv(followup.csv_lines(pks, day), name)
    page = page_of(request, pks, PER_PAGE)
    audit.record(
        "eligibility.no_document_list",
        request=request,
        detail={**scope, "rows": len(pks), "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context.update(
        page=page,
        rows=followup.load_statuses(list(page.object_list), day),
        total=len(pks),
        day=day,
        employer=employer,
        query=query.urlencode(),
        today=today,
    )
    return render(request, "eligibility/followup/no_valid_document.html", context)
