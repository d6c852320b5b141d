"""業務課 staff: the queue of certificate applications (oldest first), approving or returning
one, staff downloads of certificates; employer accounts (invite, deactivate). Members download
their household's certificates here too; an invitee sets a password from the e-mailed link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eligibility import applications, employer_accounts
from eligibility.access import (
    get_application_for_staff,
    get_certificate_for_member,
    get_certificate_for_staff,
)
from eligibility.employer_forms import EmployerUserFilterForm, InviteForm, ReturnForm
from eligibility.employer_views import certificate_response
from eligibility.models import CertificateApplication, EmployerUser
from portal import audit
from portal.roles import STAFF_ROLES, Role, role_required

audit.register("certificate_application.view", "資格確認書の申請の閲覧(業務課)")

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
        "eligibility/staff/queue.html",
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
    return render(request, "eligibility/staff/application.html", context)


@role_required(*STAFF_ROLES)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_staff(request, pk)
    try:
        application = applications.approve(
            application, today=timezone.localdate(), user=request.user, request=request
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
            application, form.cleaned_data["return_reason"], user=request.user, request=request
        )
    except applications.ApplicationRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"申請(受付番号 {application.number})を差し戻しました。")
    return redirect("eligibility:staff_application", pk=application.pk)


@role_required(*STAFF_ROLES)
@require_GET
def staff_certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_response(request, get_certificate_for_staff(request, pk), "staff")


@role_required(Role.MEMBER)
@require_GET
def member_certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_response(request, get_certificate_for_member(request, pk), "member")


# --- employer accounts -----------------------------------------------------------------------


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def employer_users(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            employer_accounts.invite(
                form.cleaned_data["employer"],
                form.cleaned_data["email"],
                actor=request.user,
                request=request,
            )
        except employer_accounts.AccountRefused as refused:
            form.add_error("email", refused.message)
        else:
            messages.success(
                request,
                "招待メールを送りました。担当者がパスワードと二段階認証を設定すると利用できます。",
            )
            return redirect("eligibility:employer_users")
    filters = EmployerUserFilterForm(request.GET or None)
    links = EmployerUser.objects.select_related("user", "employer", "invited_by")
    if filters.is_valid() and filters.cleaned_data["employer"]:
        links = links.filter(employer=filters.cleaned_data["employer"])
    page = Paginator(links, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "eligibility/staff/employer_users.html",
        {"form": form, "filters": filters, "page": page, "query": params.urlencode()},
    )


@role_required(*STAFF_ROLES)
@require_POST
def deactivate_employer_user(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(EmployerUser.objects.select_related("user"), pk=pk)
    if not link.active:
        messages.info(request, f"{link.user.email} はすでに無効です。")
    else:
        ended = employer_accounts.deactivate(link, actor=request.user, request=request)
        messages.success(
            request,
            f"{link.user.email} を無効にしました(ログイン中のセッション {ended}件を終了)。",
        )
    return redirect("eligibility:employer_users")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The invitee sets a password; anything wrong with the link is a 404 page that says so."""
    user = employer_accounts.invited_user(uidb64, token)
    if user is None:
        return render(request, "eligibility/invitation_invalid.html", status=404)
    if request.user.is_authenticated and request.user.pk != user.pk:
        return render(request, "eligibility/invitation.html", {"other_login": True}, status=200)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        employer_accounts.accept(user, form.cleaned_data["new_password1"], request=request)
        messages.success(
            request,
            "パスワードを設定しました。ログインして、二段階認証(認証アプリ)を設定してください。",
        )
        return redirect("account_login")
    link = EmployerUser.objects.select_related("employer").get(user=user)
    return render(
        request,
        "eligibility/invitation.html",
        {"form": form, "invitee": user, "employer": link.employer},
    )
