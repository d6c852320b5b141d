"""業務課 staff: the queue of certificate applications (oldest first), approving or returning
one, staff downloads of certificates; employer accounts (invite, deactivate). Members download
their household's certificates here too; an invitee sets a password from the e-mailed link."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from eligibility.access import (
    get_application_for_staff,
)
from eligibility.applications import services as applications
from eligibility.applications.forms import ReturnForm
from eligibility.models import CertificateApplication
from portal import audit
from portal.roles import STAFF_ROLES, role_required

PER_PAGE = 50
Status = CertificateApplication.Status


@role_required(*STAFF_ROLES)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Undecided applications, oldest first; approved ones whose issue failed come first."""
    rows = (
        CertificateApplication.objects.filter(status__in=[Status.SUBMITTED, Status.APPROVED])
        .select_related("employer", "insured")
        .annotate(people=Count("persons"))
        .order_by("status", "submitted_at", "pk")  # "approved" sorts before "submitted"
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    items = [(application, (now - application.submitted_at).days) for application in page]
    recent = CertificateApplication.objects.exclude(
        status__in=[Status.SUBMITTED, Status.APPROVED]
    ).select_related("employer", "insured")[:20]
    return render(
        request,
        "eligibility/applications/staff/queue.html",
        {"page": page, "items": items, "recent": recent, "query": ""},
    )


@role_required(*STAFF_ROLES)
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_staff(request, pk)
    today = timezone.localdate()
    persons = list(application.persons.select_related("member", "certificate"))
    checks = applications.refusals([row.member for row in persons], today, ignore=application)
    audit.record(
        "certificate_application.view",
        request=request,
        target=application,
        target_label=str(application.insured),
        detail={"application_id": application.pk},
    )
    context = {
        "application": application,
        "rows": [(row, checks[row.member_id] if application.is_open else None) for row in persons],
        "return_form": ReturnForm(),
        "age": (timezone.now() - application.submitted_at).days,
    }
    return render(request, "eligibility/applications/staff/application.html", context)


@role_required(*STAFF_ROLES)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_staff(request, pk)
    try:
        application = applications.approve(
            application,
            today=timezone.localdate(),
            user=request.user,
            ip=audit.client_ip(request),
        )
    except applications.ApplicationRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"申請(受付番号 {application.number})を承認し、資格確認書を交付しました。",
        )
    return redirect("eligibility:staff_application", pk=application.pk)


@role_required(*STAFF_ROLES)
@require_POST
def return_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_staff(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("eligibility:staff_application", pk=application.pk)
    try:
        applications.return_application(
            application,
            form.cleaned_data["return_reason"],
            user=request.user,
            ip=audit.client_ip(request),
        )
    except applications.ApplicationRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"申請(受付番号 {application.number})を差し戻しました。")
    return redirect("eligibility:staff_application", pk=application.pk)


# --- employer accounts -----------------------------------------------------------------------
