"""業務課 staff: start a bulk issue of notices, follow it, resume it, download its print file."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notices.batches import services as batches
from notices.batches.forms import BatchForm
from notices.models import NoticeBatch
from portal import audit
from portal.responses import open_pdf, private_pdf
from portal.roles import STAFF_ROLES, role_required

PER_PAGE = 20


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            batch = batches.start_batch(
                reason=data["reason"],
                as_of=data["as_of"],
                scope=data["scope"],
                employer=data.get("employer"),
                members=form.member_list,
                actor=request.user,
                ip=audit.client_ip(request),
            )
        except batches.BatchError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"一括交付を開始しました(対象 {batch.total:,}人)。"
                "進み具合はこの画面で確認できます。",
            )
            return redirect("notices:batch_detail", pk=batch.pk)
    page = Paginator(
        NoticeBatch.objects.select_related("employer", "created_by"), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "notices/batches/list.html", {"form": form, "page": page, "query": ""})


@never_cache
@role_required(*STAFF_ROLES)
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(NoticeBatch.objects.select_related("employer", "created_by"), pk=pk)
    progress = batches.batch_progress(batch)
    if progress.failures:
        # The failures name members: a staff view of personal data.
        audit.record(
            "notice.batch_view",
            request=request,
            target=batch,
            target_label=str(batch),
            detail={"batch_id": batch.pk, "failures_shown": len(progress.failures)},
        )
    return render(
        request,
        "notices/batches/detail.html",
        {
            "batch": batch,
            "progress": progress,
            "running": batch.status == NoticeBatch.Status.RUNNING,
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def batch_resume(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(NoticeBatch, pk=pk)
    chunks = batches.resume_batch(batch, actor=request.user, ip=audit.client_ip(request))
    if chunks:
        messages.success(request, f"未処理の分を再開しました({chunks}件の処理単位を登録)。")
    elif batch.status == NoticeBatch.Status.FINISHED and not batch.print_file:
        messages.success(request, "印刷用PDFの作成を再開しました。")
    else:
        messages.info(request, "未処理の加入者はいません。")
    return redirect("notices:batch_detail", pk=batch.pk)


@role_required(*STAFF_ROLES)
@require_GET
def batch_print(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(NoticeBatch, pk=pk)
    if not batch.print_file:
        messages.error(request, "印刷用PDFはまだできていません。一括交付の完了後に作成されます。")
        return redirect("notices:batch_detail", pk=batch.pk)
    opened = open_pdf(batch.print_file)
    # Recorded once the file is open: one that cannot be read hands out nothing.
    audit.record(
        "notice.batch_print_download",
        request=request,
        target=batch,
        target_label=str(batch),
        detail={"batch_id": batch.pk},
    )
    return private_pdf(opened, f"shikaku-oshirase-batch-{batch.pk}.pdf")
