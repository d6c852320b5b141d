"""Eligibility pages: the public guide, the member's smartphone answer, staff editing of the
records behind the advice, and staff's list of members with no valid document."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from eligibility.access import get_certificate_record_for_staff
from eligibility.models import LegacyCard, MynaRegistration
from eligibility.records import services
from eligibility.records.forms import (
    CertificateForm,
    LegacyCardForm,
    RegistrationForm,
    SmartphoneForm,
)
from members.access import get_household_member_for_user, get_member_for_staff
from members.models import Member
from portal import audit
from portal.roles import STAFF_ROLES, Role, role_required

PER_PAGE = 50


# --- public ----------------------------------------------------------------------------------


# --- the member ------------------------------------------------------------------------------


@role_required(Role.MEMBER)
@require_POST
def set_smartphone(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_household_member_for_user(request.user, pk)
    form = SmartphoneForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("「持っている」か「持っていない」を選んでから保存してください。")
        )
    else:
        has_smartphone = form.cleaned_data["has_smartphone"] == "yes"
        services.set_smartphone(
            person, has_smartphone, user=request.user, ip=audit.client_ip(request)
        )
        messages.success(
            request, gettext("%(name)sさんの受診の際の案内を更新しました。") % {"name": person.name}
        )
    return redirect(reverse("members:home") + f"#person-{person.pk}")


# --- staff: editing --------------------------------------------------------------------------


def _viewed(request: HttpRequest, member: Member, page: str) -> None:
    audit.record(
        "eligibility.view",
        request=request,
        target=member,
        target_label=str(member),
        detail={"page": page},
    )


def _back(member: Member) -> str:
    return reverse("members:staff_member", args=[member.pk]) + "#eligibility-title"


def _edit_page(
    request: HttpRequest, template: str, member: Member, form: Any, **extra: Any
) -> HttpResponse:
    return render(request, template, {"member": member, "form": form, **extra})


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def staff_registration(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_staff(request, pk)
    today = timezone.localdate()
    registration = MynaRegistration.objects.filter(member=member).first()
    if request.method == "POST":
        form = RegistrationForm(request.POST, today=today)
        if form.is_valid():
            try:
                services.update_registration(
                    member,
                    **form.cleaned_data,
                    today=today,
                    actor=request.user,
                    ip=audit.client_ip(request),
                )
            except services.EligibilityRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, gettext("マイナ保険証の利用登録の情報を保存しました。"))
                return redirect(_back(member))
    else:
        form = RegistrationForm(initial=RegistrationForm.initial_for(registration), today=today)
        _viewed(request, member, "registration")
    return _edit_page(
        request, "eligibility/records/registration.html", member, form, registration=registration
    )


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def staff_legacy_card(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_staff(request, pk)
    if request.method == "POST":
        form = LegacyCardForm(request.POST)
        if form.is_valid():
            try:
                services.update_legacy_card(
                    member, **form.cleaned_data, actor=request.user, ip=audit.client_ip(request)
                )
            except services.EligibilityRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, gettext("健康保険証の情報を保存しました。"))
                return redirect(_back(member))
    else:
        card = LegacyCard.objects.filter(member=member).first()
        form = LegacyCardForm(initial=LegacyCardForm.initial_for(card))
        _viewed(request, member, "legacy_card")
    return _edit_page(request, "eligibility/records/legacy_card.html", member, form)


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def staff_certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_staff(request, pk)
    form = CertificateForm(request.POST or None, editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_certificate(
                member, **form.cleaned_data, actor=request.user, ip=audit.client_ip(request)
            )
        except services.EligibilityRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, gettext("資格確認書を登録しました。"))
            return redirect(_back(member))
    elif request.method == "GET":
        _viewed(request, member, "certificate_add")
    return _edit_page(request, "eligibility/records/certificate.html", member, form, adding=True)


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def staff_certificate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_certificate_record_for_staff(request, pk)
    member = certificate.member
    if request.method == "POST":
        form = CertificateForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.update_certificate(
                    certificate,
                    **form.cleaned_data,
                    actor=request.user,
                    ip=audit.client_ip(request),
                )
            except services.EligibilityRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, gettext("資格確認書の情報を保存しました。"))
                return redirect(_back(member))
    else:
        form = CertificateForm(initial=CertificateForm.initial_for(certificate), editing=True)
        _viewed(request, member, "certificate_edit")
    return _edit_page(
        request,
        "eligibility/records/certificate.html",
        member,
        form,
        adding=False,
        certificate=certificate,
    )


# --- staff: who has nothing to show ----------------------------------------------------------
