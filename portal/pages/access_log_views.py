"""The member's access log: the page (not itself recorded), and its CSV and PDF downloads
(each recorded, portal.pages.access_log_export)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from members.households import household_of
from portal import audit
from portal.pages import access_log_export as export
from portal.pages.access_log import AccessLog
from portal.pagination import page_of
from portal.responses import private_csv, private_pdf_made
from portal.roles import Role, role_required

PER_PAGE = 50


def _log(request: HttpRequest) -> AccessLog | None:
    household = household_of(request.user, timezone.localdate())
    if household is None:
        return None
    request.user._portal_display_name = household.insured.name  # the greeting's name
    return AccessLog(household, request.user.pk)


@role_required(Role.MEMBER)
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    log = _log(request)
    page = rows = None
    if log is not None:
        page = page_of(request, log.events(), PER_PAGE)
        rows = list(log.rows(page))
    return render(request, "portal/pages/access_log.html", {"log": log, "page": page, "rows": rows})


@role_required(Role.MEMBER)
@require_GET
def access_log_csv(request: HttpRequest) -> HttpResponse:
    log = _log(request)
    if log is None:
        return redirect("members:access_log")
    lines = export.export_csv(log, actor=request.user, ip=audit.client_ip(request))
    return private_csv(lines, export.filename("csv"))


@role_required(Role.MEMBER)
@require_GET
def access_log_pdf(request: HttpRequest) -> HttpResponse:
    log = _log(request)
    if log is None:
        return redirect("members:access_log")
    if not export.may_print(request.user):
        return render(request, "429.html", status=429)
    try:
        content = export.export_pdf(log, actor=request.user, ip=audit.client_ip(request))
    except export.CannotPrint:
        messages.error(request, export.cannot_print_message())
        return redirect("members:access_log")
    return private_pdf_made(content, export.filename("pdf"))
