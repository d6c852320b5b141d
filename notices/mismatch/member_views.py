"""Mismatch cases, the member's side: the report from a notice and the case's status."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from notices.access import get_notice_for_member
from notices.mismatch import services as mismatch
from notices.mismatch.access import get_case_for_member
from notices.mismatch.forms import MismatchReportForm
from notices.models import MismatchCase, Notice
from portal import audit, ratelimit
from portal.roles import Role, role_required


@role_required(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, notice_pk: int) -> HttpResponse:
    notice = get_notice_for_member(request, notice_pk)
    if not notice.shows_last4:
        raise Http404  # nothing to compare on a notice without digits
    open_case = MismatchCase.objects.filter(
        member=notice.member, status__in=MismatchCase.OPEN_STATUSES
    ).first()
    if open_case is not None:
        messages.info(request, gettext(mismatch.CaseAlreadyOpen.message))
        return redirect("members:mismatch_member_case", pk=open_case.pk)
    form = MismatchReportForm(request.POST or None, initial={"contact": request.user.email})
    if request.method == "POST" and form.is_valid():
        # Counted and checked in one step, so parallel posts cannot all slip under the limit.
        counted = ratelimit.attempt(
            "mismatch-report",
            str(request.user.pk),
            limit=settings.MISMATCH_REPORTS_PER_ACCOUNT,
            window=settings.MISMATCH_REPORT_WINDOW_SECONDS,
        )
        if not counted:
            return render(request, "429.html", status=429)
        try:
            case = mismatch.report_mismatch(
                notice,
                reported_last4=form.cleaned_data["card_last4"],
                contact=form.cleaned_data["contact"],
                comment=form.cleaned_data["comment"],
                actor=request.user,
                ip=audit.client_ip(request),
            )
        except mismatch.CaseAlreadyOpen as refused:
            ratelimit.give_back(counted)  # only reports made count
            messages.info(request, gettext(refused.message))
            return redirect("members:home")
        messages.success(
            request, gettext("お申し出を受け付けました。業務課で確認し、結果をお知らせします。")
        )
        return redirect("members:mismatch_member_case", pk=case.pk)
    context = {"form": form, "record": notice, "person": notice.member}
    return render(request, "notices/mismatch/report.html", context)


@role_required(Role.MEMBER)
@require_GET
def member_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_member(request.user, pk)
    # A corrected case points at the notice that replaced the reported one.
    new_notice = (
        Notice.objects.filter(
            member=case.member, superseded_by__isnull=True, revoked_at__isnull=True
        )
        .only("pk", "version", "issued_on")
        .first()
        if case.status == MismatchCase.Status.CORRECTED
        else None
    )
    return render(
        request, "notices/mismatch/member_case.html", {"case": case, "new_notice": new_notice}
    )
