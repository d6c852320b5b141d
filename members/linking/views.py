"""Linking a login to a household with its 登録コード, and the staff pages for the codes (one
person, or a mailing list) and for unlinking a login."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from members.access import get_member_for_staff
from members.linking import services as linking
from members.linking.forms import LinkForm, MailingListForm, UnlinkForm
from members.models import Member
from portal import audit
from portal.responses import private_csv
from portal.roles import STAFF_ROLES, Role, role_required, roles_of, wrong_role


@role_required(*STAFF_ROLES)
@require_POST
def issue_code(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_staff(request, pk)
    if not member.is_insured_person:
        messages.error(request, "登録コードは被保険者(本人)にのみ発行できます。")
        return redirect("members:staff_member", pk=member.pk)
    issued = linking.issue_registration_code(
        member, actor=request.user, ip=audit.client_ip(request), now=timezone.now()
    )
    # Shown once, never stored in clear: the response must not be cached anywhere.
    response = render(request, "members/linking/code_issued.html", {"issued": issued})
    response["Cache-Control"] = "no-store"
    return response


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def mailing_list(request: HttpRequest) -> HttpResponse:
    form = MailingListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        employer = form.cleaned_data["employer"]
        issued = linking.issue_mailing_list(
            employer, actor=request.user, ip=audit.client_ip(request), now=timezone.now()
        )
        scope = employer.kigo if employer else "all"
        name = f"registration-codes-{scope}-{timezone.localdate():%Y%m%d}.csv"
        return private_csv(linking.mailing_list_csv(issued), name)
    pending = linking.insured_persons_for_codes(None, timezone.localdate()).count()
    return render(
        request, "members/linking/mailing_list.html", {"form": form, "pending_total": pending}
    )


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page first: unlinking takes the household from a login, so staff confirm
    it and give a reason, which the audit log keeps."""
    member = get_member_for_staff(request, pk)
    if member.account_id is None:
        messages.info(request, "この加入者にはアカウントが連携されていません。")
        return redirect("members:staff_member", pk=member.pk)
    form = UnlinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        linking.unlink_account(
            member,
            actor=request.user,
            ip=audit.client_ip(request),
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "アカウントの連携を解除しました。")
        return redirect("members:staff_member", pk=member.pk)
    # The confirmation shows the member and their login's e-mail: a staff view of personal data.
    audit.record(
        "member.view",
        request=request,
        target=member,
        target_label=str(member),
        detail={"page": "unlink_confirm"},
    )
    context = {"member": member, "account": member.account, "form": form}
    return render(request, "members/linking/unlink_confirm.html", context)


# A new sign-up has no role until it holds a household, so an account without a role may link;
# staff, employer and auditor logins may not, so that one login never mixes the roles.
@login_required
@require_http_methods(["GET", "POST"])
def link_account(request: HttpRequest) -> HttpResponse:
    if roles_of(request.user) - {Role.MEMBER}:
        return wrong_role(request)
    if Member.objects.filter(account=request.user).exists():
        messages.info(request, "このアカウントはすでに加入者情報と連携しています。")
        return redirect("members:home")
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            linking.link_account(
                request.user,
                **form.cleaned_data,
                ip=audit.client_ip(request),
                now=timezone.now(),
            )
        except linking.AlreadyLinked:
            return redirect("members:home")
        except linking.LinkRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "加入者情報と連携しました。ご家族の情報をご覧いただけます。")
            return redirect("members:home")
    return render(request, "members/linking/link_account.html", {"form": form})
