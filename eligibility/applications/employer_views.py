"""Employer pages (事業所担当者): their own people, applications for 資格確認書, the CSV upload
and certificate downloads. Everything goes through the access helpers, which 404 for anything
outside the login's employer; every view of personal data is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eligibility.access import (
    get_application_for_employer,
    require_employer,
)
from eligibility.applications import csv_upload as application_csv
from eligibility.applications import services as applications
from eligibility.applications.forms import ApplicationForm, PeopleSearchForm, UploadForm
from eligibility.models import (
    CertificateApplication,
    EligibilityCertificate,
    MynaRegistration,
)
from eligibility.rules import MYNA_HOKENSHO_START
from eligibility.status import statuses_for
from members.access import get_member_for_employer, member_records
from members.models import Member
from members.search import SearchInputError, search_members
from portal import audit
from portal.roles import Role, role_required

PER_PAGE = 50
SUGGESTIONS = 20


@role_required(Role.EMPLOYER)
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    employer = require_employer(request)
    today = timezone.localdate()
    form = PeopleSearchForm(request.GET or None)
    query, include_lost = "", False
    if form.is_bound and form.is_valid():
        query, include_lost = form.cleaned_data["q"], form.cleaned_data["include_lost"]
    try:
        members = search_members(
            query=query, employer=employer, include_lost=include_lost, as_of=today
        )
    except SearchInputError as error:
        form.add_error("q", error.message)
        members = Member.objects.none()
    page = Paginator(members, PER_PAGE).get_page(request.GET.get("page"))
    people_on_page = list(page.object_list)
    statuses = statuses_for(people_on_page, today)
    pending = applications.open_applications_of(people_on_page)
    audit.record(
        "employer.people_list",
        request=request,
        target=employer,
        target_label=str(employer),
        detail={"page": page.number, "rows": len(people_on_page), "include_lost": include_lost},
    )
    params = request.GET.copy()
    params.pop("page", None)
    rows = [(s.member, s, s.member.is_enrolled(today), pending.get(s.member.pk)) for s in statuses]
    context = {
        "form": form,
        "employer": employer,
        "page": page,
        "rows": rows,
        "query": params.urlencode(),
        "today": today,
    }
    return render(request, "eligibility/applications/employer/people.html", context)


@role_required(Role.EMPLOYER)
@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_employer(request, pk)
    today = timezone.localdate()
    status = statuses_for([member], today)[0]
    registration = MynaRegistration.objects.filter(member=member).first()
    audit.record("employer.person_view", request=request, target=member, target_label=str(member))
    context = {
        "member": member,
        "status": status,
        "enrolled": member.is_enrolled(today),
        "registration": registration,
        "certificates": EligibilityCertificate.objects.filter(member=member),
        "applications": CertificateApplication.objects.filter(persons__member=member),
        "refusal": applications.refusals([member], today)[member.pk],
        "today": today,
    }
    return render(request, "eligibility/applications/employer/person.html", context)


@role_required(Role.EMPLOYER)
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """The application for the household of person `pk`, with that person ticked."""
    chosen = get_member_for_employer(request, pk)
    employer = require_employer(request)
    today = timezone.localdate()
    head_id = chosen.insured_id or chosen.pk
    household = list(
        member_records()
        .filter(Q(pk=head_id) | Q(insured_id=head_id), employer=employer)
        .order_by("edaban")
    )
    # Listed as eligible when any reason could do: a registered person only with a 要配慮者
    # reason, which submit() checks against the reason chosen.
    found = applications.refusals(household, today, needs_assistance=True)
    plain = applications.refusals(household, today)
    eligible = [person for person in household if not found[person.pk]]
    initial = {"people": [str(chosen.pk)] if not found[chosen.pk] else []}
    if request.method == "GET" and (again := _returned_application(request)):
        initial = _initial_from(again, found)
    form = ApplicationForm(
        request.POST if request.method == "POST" else None, eligible=eligible, initial=initial
    )
    if form.is_bound and form.is_valid():
        try:
            application = applications.submit(
                employer,
                form.selected,
                reason=form.cleaned_data["reason"],
                reason_detail=form.cleaned_data["reason_detail"],
                applied_on=today,
                user=request.user,
                ip=audit.client_ip(request),
            )
        except applications.ApplicationRefused as refused:
            for message in refused.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                f"資格確認書を申請しました(受付番号 {application.number})。"
                "審査の結果はこの画面とメールでお知らせします。",
            )
            return redirect("eligibility:employer_application", pk=application.pk)
    checked = {str(value) for value in form["people"].value() or []}
    rows = [
        (
            person,
            found[person.pk],
            person.acquired_on >= MYNA_HOKENSHO_START,
            str(person.pk) in checked,
            not found[person.pk] and bool(plain[person.pk]),  # only with a 要配慮者 reason
        )
        for person in household
    ]
    context = {"form": form, "chosen": chosen, "rows": rows, "today": today}
    return render(request, "eligibility/applications/employer/apply.html", context)


def _returned_application(request: HttpRequest) -> CertificateApplication | None:
    """The returned application a 再申請 starts from (?again=pk), or None."""
    pk = request.GET.get("again", "")
    if not (pk.isascii() and pk.isdigit()) or len(pk) > 12:  # isdigit alone takes "²"
        return None
    previous = get_application_for_employer(request, int(pk))  # 404 outside the employer
    return previous if previous.status == CertificateApplication.Status.RETURNED else None


def _initial_from(previous: CertificateApplication, found: dict[int, str]) -> dict:
    """The returned application's people (those who may still apply) and reason, to correct."""
    people = [
        str(person.member_id)
        for person in previous.persons.all()
        if person.member_id in found and not found[person.member_id]
    ]
    return {
        "people": people,
        "reason": previous.reason,
        "reason_detail": previous.reason_detail,
    }


@role_required(Role.EMPLOYER)
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    employer = require_employer(request)
    status = request.GET.get("status", "")
    rows = CertificateApplication.objects.filter(employer=employer).prefetch_related("persons")
    if status in CertificateApplication.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "eligibility/applications/employer/applications.html",
        {
            "page": page,
            "status": status,
            "statuses": CertificateApplication.Status.choices,
            "query": f"status={status}" if status else "",
        },
    )


@role_required(Role.EMPLOYER)
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_employer(request, pk)
    audit.record(
        "employer.application_view",
        request=request,
        target=application,
        target_label=str(application.insured),
        detail={"application_id": application.pk},
    )
    persons = application.persons.select_related("certificate")
    return render(
        request,
        "eligibility/applications/employer/application.html",
        {"application": application, "persons": persons},
    )


@role_required(Role.EMPLOYER)
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_employer(request, pk)
    try:
        applications.withdraw(application, user=request.user, ip=audit.client_ip(request))
    except applications.ApplicationRefused as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"申請(受付番号 {application.number})を取り下げました。")
    return redirect("eligibility:employer_application", pk=application.pk)


@role_required(Role.EMPLOYER)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    employer = require_employer(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    result = None
    if form.is_bound and form.is_valid():
        file = form.cleaned_data["file"]
        result = application_csv.upload(
            file,
            employer=employer,
            applied_on=timezone.localdate(),
            user=request.user,
            ip=audit.client_ip(request),
            file_name=file.name or "",
        )
        if result.applied:
            messages.success(
                request,
                f"{result.rows}人分を{len(result.created)}件の申請として受け付けました。",
            )
            return redirect("eligibility:employer_applications")
        messages.error(
            request,
            "申請できませんでした。ファイルの内容は1件も申請されていません。"
            "下の誤りを直して、もう一度アップロードしてください。",
        )
    return render(
        request,
        "eligibility/applications/employer/upload.html",
        {
            "form": form,
            "result": result,
            "columns": application_csv.COLUMNS,
            "reason_help": application_csv.REASON_HELP,
        },
    )


# --- downloads -------------------------------------------------------------------------------
