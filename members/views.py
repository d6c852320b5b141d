"""業務課 staff: find a member, and read one member's record. Every read is audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from members import copay_worklist
from members.access import member_records
from members.coverage import elderly_from
from members.forms import CopayMissingForm, MemberSearchForm
from members.models import Member
from members.search import (
    CappedPaginator,
    ParsedQuery,
    search_members,
)
from portal import audit
from portal.models import AuditEvent
from portal.pagination import page_of
from portal.responses import private_csv
from portal.roles import Role, role_required

PER_PAGE = 50
# What a result row shows and its enrolment badge reads (Member.is_enrolled): a page of 50 rows
# builds 150 records, and the unread columns were a third of the page's time.
RESULT_COLUMNS = (
    *("kigo", "bango", "edaban", "name", "name_kana", "relation", "birth_date"),
    *("acquired_on", "lost_on", "employer__name", "insured__lost_on", "insured__birth_date"),
)
HISTORY_LIMIT = 50


def _criteria_for_audit(data: dict[str, Any]) -> dict[str, Any]:
    """What was searched for, as parsed: 記号・番号 or a name fragment, never anything else."""
    parsed: ParsedQuery = data["q"]
    criteria: dict[str, Any] = {}
    if parsed.number is not None:
        criteria["kigo"], criteria["bango"] = parsed.number.kigo, parsed.number.bango
        if parsed.number.edaban is not None:
            criteria["edaban"] = parsed.number.edaban
    elif parsed.name:
        criteria["name"] = parsed.name
    if data["birth_date"]:
        criteria["birth_date"] = data["birth_date"].isoformat()
    if data["employer"]:
        criteria["employer"] = data["employer"].kigo
    criteria["include_lost"] = data["include_lost"]
    return criteria


@role_required(Role.CLERK, Role.SUPERVISOR)
@require_GET
def staff_search(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = MemberSearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "page": None, "today": today}
    if form.is_bound and form.is_valid() and form.has_criteria():
        data = form.cleaned_data
        members = search_members(
            query=request.GET.get("q", ""),
            birth_date=data["birth_date"],
            employer=data["employer"],
            include_lost=data["include_lost"],
            as_of=today,
        ).only(*RESULT_COLUMNS)
        paginator = CappedPaginator(members, PER_PAGE, one_scan=data["q"].is_short)
        page = paginator.get_page(request.GET.get("page"))
        audit.record(
            "member.search",
            request=request,
            detail={
                **_criteria_for_audit(data),
                "page": page.number,
                "results": paginator.count,
                "capped": paginator.capped,
            },
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            rows=[(member, member.is_enrolled(today)) for member in page],
            query=query.urlencode(),
        )
    else:
        # Nothing to search for yet (errors are shown by the form itself).
        context["hint"] = not form.is_bound or not form.errors
    return render(request, "members/staff_search.html", context)


def member_record_context(member: Member, today: date) -> dict[str, Any]:
    """The member's record as the staff member page shows it: household, enrolment, the
    login and the newest audit events about the member (number conflicts are the mismatch
    package's, which decides who may see their holder)."""
    head_id = member.insured_id or member.pk
    household = (
        member_records()
        .filter(Q(pk=head_id) | Q(insured_id=head_id))
        .order_by("kigo", "bango", "edaban")
    )
    history = AuditEvent.objects.filter(
        target_type=Member._meta.label, target_id=str(member.pk)
    ).order_by("-at", "-id")[:HISTORY_LIMIT]
    return {
        "member": member,
        "today": today,
        "enrolled": member.is_enrolled(today),
        "household": [(person, person.is_enrolled(today)) for person in household],
        "account": member.account if member.account_id else None,
        "history": history,
        "history_limit": HISTORY_LIMIT,
    }


@role_required(Role.CLERK, Role.SUPERVISOR)
@require_http_methods(["GET", "HEAD"])
def copay_missing(request: HttpRequest) -> HttpResponse:
    """負担割合未登録: members aged 70-74 on the day with no rate on file, on screen or as CSV."""
    today = timezone.localdate()
    form = CopayMissingForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "page": None}
    if form.is_bound and not form.is_valid():
        messages.error(request, "基準日に誤りがあります。内容を確かめてください。")
        return render(request, "members/copay_missing.html", context)
    day = (form.cleaned_data.get("day") if form.is_bound else None) or today
    members = copay_worklist.copay_missing(day)
    if request.GET.get("format") == "csv":
        audit.record(
            "member.copay_missing_export",
            request=request,
            detail={"day": day.isoformat(), "rows": members.count()},
        )
        return private_csv(copay_worklist.csv_lines(members), f"copay-missing-{day:%Y%m%d}.csv")
    page = page_of(request, members, PER_PAGE)
    audit.record(
        "member.copay_missing_list",
        request=request,
        detail={"day": day.isoformat(), "rows": page.paginator.count, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    rows = [(member, elderly_from(member.birth_date)) for member in page]
    context.update(
        page=page, rows=rows, day=day, total=page.paginator.count, query=query.urlencode()
    )
    return render(request, "members/copay_missing.html", context)
