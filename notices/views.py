from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from members.access import get_member_for_staff
from notices import explanation, services
from notices import render as renderer
from notices.access import get_notice_for_member, get_notice_for_staff
from notices.models import Notice
from notices.verification import public_id_from
from portal import audit, ratelimit
from portal.responses import open_pdf, private_pdf, private_pdf_made
from portal.roles import STAFF_ROLES, Role, role_required


def _record(request: HttpRequest, action: str, notice: Notice, **detail: Any) -> None:
    """A download of (or about) the notice, on the member's record."""
    audit.record(
        action,
        request=request,
        target=notice.member,
        target_label=str(notice.member),
        detail={"notice_id": notice.pk, **detail},
    )


def _pdf_response(
    request: HttpRequest, notice: Notice, *, inline: bool = False, **detail: Any
) -> FileResponse:
    """The notice's PDF, its download recorded once the file is open: one that cannot be read
    hands out nothing and records nothing (portal.responses.open_pdf)."""
    opened = open_pdf(notice.pdf)
    _record(request, "notice.download", notice, version=notice.version, **detail)
    # No 記号・番号 in the name: joined up they could look like a full number to any scanner.
    filename = f"shikaku-oshirase-{notice.member.edaban}-v{notice.version}.pdf"
    return private_pdf(opened, filename, inline=inline)


@role_required(Role.MEMBER)
@require_GET
def member_notice(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_notice_for_member(request, pk, for_page=True)
    # The layout greets the member by the linked insured person's name (portal.pages.context);
    # the notice has that person loaded already.
    request.user._portal_display_name = notice.member.household_head.name
    audit.record(
        "notice.view",
        request=request,
        target=notice.member,
        target_label=str(notice.member),
        detail={"notice_id": notice.pk, "version": notice.version},
    )
    context = renderer.notice_context(notice.snapshot, notice.public_id)
    status = services.notice_status(notice, timezone.localdate())
    return render(
        request,
        "notices/notice_page.html",
        {"notice": context, "record": notice, "status": status},
    )


@role_required(Role.MEMBER)
@require_GET
def member_notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_notice_for_member(request, pk, for_download=True)
    return _pdf_response(request, notice, inline=True)  # opens in the phone's viewer


@role_required(Role.MEMBER)
@require_GET
def member_notice_explanation(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice explained in the member's language, one page, made on request (nothing
    personal beyond the name, which the member already sees)."""
    notice = get_notice_for_member(request, pk)
    if not ratelimit.attempt(
        "notice-explanation", str(request.user.pk), limit=explanation.PER_HOUR, window=3600
    ):
        return render(request, "429.html", status=429)
    try:
        content = explanation.render_explanation(notice)
    except renderer.MissingGlyph:
        messages.error(
            request,
            gettext("この言語の説明をPDFにできませんでした。業務課にお問い合わせください。"),
        )
        return redirect("notices:member_notice", pk=notice.pk)
    # Recorded once it is made: a refusal hands out nothing and records nothing.
    _record(request, "notice.explanation_download", notice, language=request.LANGUAGE_CODE)
    return private_pdf_made(content, explanation.filename(notice), inline=True)


@role_required(*STAFF_ROLES)
@require_GET
def staff_notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_notice_for_staff(request, pk)
    return _pdf_response(request, notice, staff=True)


@role_required(*STAFF_ROLES)
@require_POST
def staff_issue(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_staff(request, pk)
    reason = request.POST.get("reason", "")
    if reason not in {Notice.Reason.REISSUE, Notice.Reason.ENROLMENT, Notice.Reason.CHANGE}:
        messages.error(request, "交付理由を選んでください。")
        return redirect("members:staff_member", pk=member.pk)
    try:
        notice = services.issue_notice(
            member, reason, now=timezone.now(), actor=request.user, ip=audit.client_ip(request)
        )
    except (services.NoInsurer, services.NoCopayRate, renderer.MissingGlyph) as error:
        messages.error(request, f"お知らせを交付できませんでした: {error}")
    else:
        messages.success(request, f"資格情報のお知らせ(第{notice.version}版)を交付しました。")
    return redirect("members:staff_member", pk=member.pk)


@never_cache
@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    ip = audit.client_ip(request) or "unknown"
    # Counted and checked in one step: parallel scans cannot all slip under the limit.
    if not ratelimit.attempt(
        "notice-verify", ip, limit=settings.VERIFY_MAX_PER_IP, window=settings.VERIFY_WINDOW_SECONDS
    ):
        return render(request, "429.html", status=429)
    public_id = public_id_from(token)
    notice = (
        Notice.objects.select_related("member__insured").filter(public_id=public_id).first()
        if public_id
        else None
    )
    if notice is None:
        raise Http404
    # Worked out now: a coverage that has ended makes the notice 無効 from that day on.
    status = services.notice_status(notice, timezone.localdate())
    audit.record(
        "notice.verify",
        request=request,
        target=notice.member,
        target_label=str(notice.member),
        detail={"notice_id": notice.pk, "state": status.state},
    )
    snapshot = notice.snapshot
    context = {
        "state": status.state,
        "lapse": status.lapse,
        "valid_until": status.valid_until,
        "issued_on": notice.issued_on,
        "name": services.rules.masked_name(snapshot["name"]),
        "kigo": services.rules.masked_digits(snapshot["kigo"]),
        "bango": services.rules.masked_digits(snapshot["bango"], keep=1),
        "insurer_name": snapshot["insurer_name"],
    }
    return render(request, "notices/verify.html", context)
