"""業務課 staff: upload a roster CSV, list the runs, read one run's errors."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from members.models import RosterImport
from members.roster.importer import import_roster
from members.roster.writers import MAX_STORED_ERRORS, MAX_STORED_WARNINGS
from portal import audit
from portal.roles import Role, role_required

PER_PAGE = 20


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g}MB"
    if size >= 1024:
        return f"{size / 1024:g}KB"
    return f"{size}バイト"


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="名簿ファイル(CSV)",
        help_text=(
            "加入者ファイルまたは事業所ファイル(1行目の見出しで判別します)。"
            "文字コードは UTF-8 または Shift_JIS。事業所ファイルを先に取り込んでください。"
        ),
        error_messages={
            "required": "ファイルを選んでください。",
            "empty": "ファイルが空です。",
            "invalid": "ファイルを選んでください。",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        limit = settings.ROSTER_UPLOAD_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"ファイルが大きすぎます(上限 {_size_label(limit)})。"
                "分割するか、業務課の管理者に manage.py import_roster での取込を依頼してください。"
            )
        return upload


@role_required(Role.CLERK, Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, even an empty one, so a missing file gets its message.
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
    else:
        form = RosterUploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        run = import_roster(
            upload,
            file_name=upload.name or "",
            actor=request.user,
            ip=audit.client_ip(request),
            via="upload",
        )
        if run.outcome == RosterImport.Outcome.APPLIED:
            warned = f"警告 {len(run.warnings)}件があります。下の一覧を確認してください。"
            messages.success(
                request,
                f"取り込みました(新規 {run.created}件、更新 {run.updated}件、"
                f"変更なし {run.unchanged}件)。" + (warned if run.warnings else ""),
            )
        else:
            messages.error(
                request,
                "取り込めませんでした。ファイルの内容は反映されていません(変更なし)。"
                "下のエラーを直して、もう一度取り込んでください。",
            )
        return redirect("members:import_detail", pk=run.pk)
    runs = RosterImport.objects.select_related("started_by")
    page = Paginator(runs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/roster/imports.html",
        {
            "form": form,
            "page": page,
            "query": "",
            "limit": _size_label(settings.ROSTER_UPLOAD_MAX_BYTES),
        },
    )


@role_required(Role.CLERK, Role.SUPERVISOR)
@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(RosterImport.objects.select_related("started_by"), pk=pk)
    return render(
        request,
        "members/roster/import_detail.html",
        {
            "run": run,
            "errors_capped": len(run.errors) >= MAX_STORED_ERRORS,
            "warnings_capped": len(run.warnings) >= MAX_STORED_WARNINGS,
        },
    )
