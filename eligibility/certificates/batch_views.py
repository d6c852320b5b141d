"""業務課 staff: 職権交付 and bulk renewal (started by a supervisor only; clerks see the
renewal list and every batch's progress, and may resume a batch), and each bulk issue's
progress.

Starting a bulk issue sends certificates to hundreds of people at once, so it is the
supervisor's decision, as in the README; a clerk's start is refused with a 403 and a message.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eligibility.certificates import batches
from eligibility.certificates.forms import ExOfficioForm, RenewalForm, RenewalSelectionForm
from eligibility.models import CertificateBatch
from portal import audit
from portal.roles import STAFF_ROLES, Role, role_required, roles_of

PER_PAGE = 20
LIST_PER_PAGE = 100
EX_OFFICIO_REFUSED = "職権交付を開始できるのは承認者(supervisor)だけです。"
RENEWAL_REFUSED = "資格確認書の更新を開始できるのは承認者(supervisor)だけです。"
SELECTION_REFUSED = "選択した資格確認書の指定が正しくないため、更新は開始していません。"


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    """Bulk issues so far; a supervisor starts 職権交付 here (preview first)."""
    supervisor = Role.SUPERVISOR in roles_of(request.user)
    form = ExOfficioForm(request.POST if request.method == "POST" and supervisor else None)
    preview = None
    refused = request.method == "POST" and not supervisor
    if refused:
        messages.error(request, EX_OFFICIO_REFUSED)
    elif form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"]
        if request.POST.get("action") == "start":
            try:
                batch = batches.start_ex_officio(
                    as_of, actor=request.user, ip=audit.client_ip(request)
                )
            except batches.BatchError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"職権交付を開始しました(対象 {batch.total:,}人)。"
                    "進み具合はこの画面で確認できます。",
                )
                return redirect("eligibility:certificate_batch", pk=batch.pk)
        else:
            preview = {"as_of": as_of, "count": batches.ex_officio_targets(as_of).count()}
    page = Paginator(CertificateBatch.objects.select_related("created_by"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "eligibility/certificates/batches.html",
        {"form": form, "page": page, "query": "", "supervisor": supervisor, "preview": preview},
        status=403 if refused else 200,
    )


@never_cache
@role_required(*STAFF_ROLES)
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(CertificateBatch.objects.select_related("created_by"), pk=pk)
    progress = batches.progress(batch)
    problems = progress.failures  # failed, then skipped; the first few hundred
    if problems:
        audit.record(
            "certificate_batch.view",
            request=request,
            target=batch,
            target_label=str(batch),
            detail={"batch_id": batch.pk, "shown": len(problems)},
        )
    return render(
        request,
        "eligibility/certificates/batch_detail.html",
        {
            "batch": batch,
            "progress": progress,
            "problems": problems,
            "running": batch.status == CertificateBatch.Status.RUNNING,
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def batch_resume(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(CertificateBatch, pk=pk)
    chunks = batches.resume_batch(batch, actor=request.user, ip=audit.client_ip(request))
    if chunks:
        messages.success(request, f"未処理の分を再開しました({chunks}件の処理単位を登録)。")
    else:
        messages.info(request, "未処理の加入者はいません。")
    return redirect("eligibility:certificate_batch", pk=batch.pk)


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def renewals(request: HttpRequest) -> HttpResponse:
    """Certificates expiring within N days (default 90); renew all of them, or those ticked."""
    today = timezone.localdate()
    supervisor = Role.SUPERVISOR in roles_of(request.user)
    refused = request.method == "POST" and not supervisor
    if refused:
        messages.error(request, RENEWAL_REFUSED)
    source = request.POST if request.method == "POST" else request.GET
    form = RenewalForm(source or None)
    days = batches.DEFAULT_RENEWAL_DAYS
    if form.is_bound:
        if form.is_valid():
            days = form.cleaned_data["days"] or days
        else:
            messages.error(request, "日数の指定に誤りがあるため、90日で表示しています。")
    listed = batches.expiring(today, days)
    if request.method == "POST" and not refused and form.is_valid():
        started = _start_renewal(request, listed, today)
        if started is not None:
            return started
    page = Paginator(listed, LIST_PER_PAGE).get_page(request.GET.get("page"))
    audit.record(
        "certificate.renewal_list",
        request=request,
        detail={"days": days, "page": page.number, "rows": page.paginator.count},
    )
    return render(
        request,
        "eligibility/certificates/renewals.html",
        {
            "form": form,
            "page": page,
            "days": days,
            "today": today,
            "query": f"days={days}",
            "supervisor": supervisor,
        },
        status=403 if refused else 200,
    )


def _start_renewal(request: HttpRequest, listed: QuerySet, today: date) -> HttpResponse | None:
    """A supervisor's start: the certificates ticked, or every one listed when none is. A
    selection the page could not have sent refuses the start (never "all of them")."""
    selection = RenewalSelectionForm(request.POST)
    if not selection.is_valid():
        messages.error(request, SELECTION_REFUSED)
        return None
    chosen = selection.cleaned_data["certificate"]
    selected = listed.filter(pk__in=chosen) if chosen else listed
    try:
        batch = batches.start_renewal(
            list(selected), today=today, actor=request.user, ip=audit.client_ip(request)
        )
    except batches.BatchError as error:
        messages.error(request, str(error))
        return None
    messages.success(request, f"{batch.total:,}人の資格確認書の更新を開始しました。")
    return redirect("eligibility:certificate_batch", pk=batch.pk)
