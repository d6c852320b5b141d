"""Mismatch cases: the 業務課's queue and case page (the member's side is in member_views).
Thin views; the verbs are in services (corrections, conflicts), the supervisors' report in stats.
Who holds a conflicting number is shown to supervisors only (conflicts.open_conflicts)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import PasswordInput
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from members.models import MyNumberConflict
from notices.mismatch import services as mismatch
from notices.mismatch.access import get_case_for_staff
from notices.mismatch.conflicts import (
    ConflictError,
    open_conflicts,
    resolve_conflict,
    sees_holders,
)
from notices.mismatch.forms import (
    CheckForm,
    CloseForm,
    ProposeForm,
    QueueFilterForm,
    RejectForm,
    VersionForm,
)
from notices.mismatch.rules import age_in_days
from notices.models import MismatchCase
from portal import audit, stepup
from portal.roles import STAFF_ROLES, Role, role_required, roles_of

PER_PAGE = 50


@role_required(*STAFF_ROLES)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    statuses = form.statuses()
    cases = (
        MismatchCase.objects.filter(status__in=statuses)
        .select_related("member__employer")
        .defer("proposed_token", "member__mynumber_token", "member__mynumber_hash")
        .order_by("created_at", "pk")
    )
    employer = form.cleaned_data.get("employer") if form.is_valid() else None
    if employer is not None:
        cases = cases.filter(member__employer=employer)
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    audit.record(
        "mismatch.queue",
        request=request,
        detail={
            "statuses": statuses,
            "employer": employer.kigo if employer else "",
            "page": page.number,
            "results": page.paginator.count,
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(case, age_in_days(case.created_at, now)) for case in page],
        "query": query.urlencode(),
        "conflicts": open_conflicts(request.user, limit=PER_PAGE),
        "sees_holders": sees_holders(request.user),
    }
    return render(request, "notices/mismatch/queue.html", context)


def _case_url(case: MismatchCase) -> str:
    return reverse("members:mismatch_case", args=[case.pk])


def _case_page(
    request: HttpRequest,
    case: MismatchCase,
    *,
    status: int = 200,
    refusal: str = "",
    unsent: list[tuple[str, str]] | None = None,
    **forms: Any,
) -> HttpResponse:
    """The case page; forms passed in (bound, with errors) replace the fresh ones, and a
    refusal is shown at the top, whichever part of the page the form was in."""
    user = request.user
    is_proposer = case.proposed_by_id == user.pk
    can_decide = Role.SUPERVISOR in roles_of(user) and not is_proposer
    context = {
        "case": case,
        "refusal": refusal,
        "unsent": unsent or [],
        "member": case.member,
        "events": case.events.all(),
        "check_form": forms.get("check_form") or CheckForm(case=case),
        "close_form": forms.get("close_form") or CloseForm(initial={"version": case.version}),
        "propose_form": forms.get("propose_form") or ProposeForm(initial={"version": case.version}),
        "approve_form": forms.get("approve_form") or VersionForm(initial={"version": case.version}),
        "reject_form": forms.get("reject_form") or RejectForm(initial={"version": case.version}),
        "is_proposer": is_proposer,
        "can_decide": can_decide,
        "stepped_up": stepup.has_stepped_up(request),
        "stepup_minutes": max(stepup.seconds_left(request) // 60, 1),
        "reauthenticate_url": stepup.reauthenticate_url(_case_url(case)),
        "conflicts": open_conflicts(user, about=case.member_id),
        "sees_holders": sees_holders(user),
        "age": age_in_days(case.created_at, timezone.now()),
    }
    return render(request, "notices/mismatch/case.html", context, status=status)


def _fresh(case: MismatchCase) -> MismatchCase:
    return (
        MismatchCase.objects.select_related("member__employer")
        .defer("proposed_token", "member__mynumber_token", "member__mynumber_hash")
        .get(pk=case.pk)
    )


@role_required(*STAFF_ROLES)
@require_GET
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_staff(request, pk)
    audit.record(
        "mismatch.view",
        request=request,
        target=case.member,
        target_label=str(case.member),
        detail={"case_id": case.pk, "status": case.status},
    )
    return _case_page(request, case)


def _act(
    request: HttpRequest,
    case: MismatchCase,
    form: VersionForm,
    form_key: str,
    action: Any,
    success: str,
) -> HttpResponse:
    """Run one verb; on refusal show the latest case with the person's input kept."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except mismatch.MismatchError as refused:
            return _refused(request, case, refused, form, form_key)
        messages.success(request, success)
        return redirect(_case_url(case))
    return _case_page(request, case, **{form_key: form})


def _refused(
    request: HttpRequest,
    case: MismatchCase,
    refused: mismatch.MismatchError,
    form: VersionForm,
    form_key: str,
) -> HttpResponse:
    # The latest state of the case, the person's input kept, and the version they now saw.
    case = _fresh(case)
    form.set_version(case.version)
    status = 200
    if isinstance(refused, mismatch.StaleCase):
        status = 409
    elif isinstance(refused, mismatch.ProposalLimit):
        status = 429
    return _case_page(
        request,
        case,
        status=status,
        refusal=refused.message,
        unsent=_unsent(form),
        **{form_key: form},
    )


def _unsent(form: VersionForm) -> list[tuple[str, str]]:
    """What the person typed, to copy from when the form itself is gone (the case moved on).
    Never the number fields: a typed My Number is not shown again, anywhere."""
    kept = []
    for field in form.visible_fields():
        if isinstance(field.field.widget, PasswordInput):
            continue
        value = field.value()
        if value in (None, ""):
            continue
        choices = dict(getattr(field.field, "choices", []))
        kept.append((str(field.label), str(choices.get(str(value), value))))
    return kept


@role_required(*STAFF_ROLES)
@require_POST
def case_check(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_staff(request, pk)
    form = CheckForm(request.POST, case=case)
    return _act(
        request,
        case,
        form,
        "check_form",
        lambda data: mismatch.record_check(
            case.pk,
            data["version"],
            form.results(),
            actor=request.user,
            ip=audit.client_ip(request),
        ),
        "5項目の照合結果を記録しました。",
    )


@role_required(*STAFF_ROLES)
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_staff(request, pk)
    return _act(
        request,
        case,
        CloseForm(request.POST),
        "close_form",
        lambda data: mismatch.close_no_error(
            case.pk,
            data["version"],
            data["reason"],
            actor=request.user,
            ip=audit.client_ip(request),
        ),
        "誤りなし(理由付き疑いなし)として完了しました。申出者にメールでお知らせします。",
    )


@sensitive_post_parameters("number", "number_confirm")
@role_required(*STAFF_ROLES)
@require_POST
def case_propose(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_staff(request, pk)
    return _act(
        request,
        case,
        ProposeForm(request.POST),
        "propose_form",
        lambda data: mismatch.propose_correction(
            case.pk,
            data["version"],
            data["parsed_number"],
            actor=request.user,
            ip=audit.client_ip(request),
        ),
        "訂正を提案しました。提案者以外の承認者が承認すると登録が更新されます。",
    )


@role_required(Role.SUPERVISOR)
@require_POST
def case_approve(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_staff(request, pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        actor, ip = request.user, audit.client_ip(request)
        try:
            mismatch.approve_correction(
                case.pk,
                form.cleaned_data["version"],
                actor=actor,
                ip=ip,
                stepped_up=stepup.has_stepped_up(request),
            )
        except mismatch.StepUpRequired as refused:
            mismatch.refuse_approval(case, refused, actor=actor, ip=ip)
            messages.warning(request, refused.message)
            return redirect(stepup.reauthenticate_url(_case_url(case)))
        except (mismatch.HeldByAnother, mismatch.Unreadable) as refused:
            stepup.consume(request)  # the sealed number was tried: this entry is spent
            messages.error(request, refused.message)
            return redirect(_case_url(case))
        except mismatch.MismatchError as refused:
            if isinstance(refused, mismatch.SelfApproval | mismatch.NotSupervisor):
                mismatch.refuse_approval(case, refused, actor=actor, ip=ip)
            return _refused(request, case, refused, form, "approve_form")
        stepup.consume(request)  # each password entry counts for one approval
        messages.success(request, "訂正を承認しました。登録を更新し、新しいお知らせを交付します。")
        return redirect(_case_url(case))
    return _case_page(request, case, approve_form=form)


@role_required(Role.SUPERVISOR)
@require_POST
def case_reject(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_staff(request, pk)
    return _act(
        request,
        case,
        RejectForm(request.POST),
        "reject_form",
        lambda data: mismatch.reject_correction(
            case.pk,
            data["version"],
            data["reason"],
            actor=request.user,
            ip=audit.client_ip(request),
        ),
        "提案を差し戻しました。",
    )


@role_required(Role.SUPERVISOR)
@require_POST
def conflict_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor marks a conflict settled, having looked at both records."""
    try:
        resolve_conflict(pk, actor=request.user, ip=audit.client_ip(request))
    except MyNumberConflict.DoesNotExist:
        raise Http404 from None
    except ConflictError as refused:
        messages.info(request, refused.message)
    else:
        messages.success(request, "マイナンバー重複を確認済みにしました。")
    return redirect(reverse("members:mismatch_queue") + "#conflicts-title")
