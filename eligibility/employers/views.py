"""Employer accounts: staff invite and deactivate 事業所担当者; the invitee sets a password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from eligibility.employers import services as employer_accounts
from eligibility.employers.forms import EmployerUserFilterForm, InviteForm
from members.models import EmployerUser
from portal import audit
from portal.roles import STAFF_ROLES, role_required

PER_PAGE = 50


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
                ip=audit.client_ip(request),
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
        "eligibility/employers/employer_users.html",
        {"form": form, "filters": filters, "page": page, "query": params.urlencode()},
    )


@role_required(*STAFF_ROLES)
@require_POST
def deactivate_employer_user(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(EmployerUser.objects.select_related("user"), pk=pk)
    if not link.active:
        messages.info(request, f"{link.user.email} はすでに無効です。")
    else:
        ended = employer_accounts.deactivate(link, actor=request.user, ip=audit.client_ip(request))
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
        return render(request, "eligibility/employers/invitation_invalid.html", status=404)
    if request.user.is_authenticated and request.user.pk != user.pk:
        return render(
            request, "eligibility/employers/invitation.html", {"other_login": True}, status=200
        )
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        employer_accounts.accept(
            user, form.cleaned_data["new_password1"], ip=audit.client_ip(request)
        )
        messages.success(
            request,
            "パスワードを設定しました。ログインして、二段階認証(認証アプリ)を設定してください。",
        )
        return redirect("account_login")
    link = EmployerUser.objects.select_related("employer").get(user=user)
    return render(
        request,
        "eligibility/employers/invitation.html",
        {"form": form, "invitee": user, "employer": link.employer},
    )
