from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from eligibility.status import household_advice
from members import linking
from members.forms import LinkForm
from members.households import household_of
from members.models import Member
from notices.services import household_notices
from portal.roles import Role, role_required


@role_required(Role.MEMBER)
def member_home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    household = household_of(request.user, today)
    context = {"household": household, "notices": household_notices(household, today)}
    context["statuses"] = household_advice(household, today)  # what to bring, per person
    return render(request, "members/member_home.html", context)


@role_required(Role.EMPLOYER)
def employer_home(request: HttpRequest) -> HttpResponse:
    from eligibility.employer_views import home_context  # the employer pages live there

    return render(request, "members/employer_home.html", home_context(request))


# Any signed-in account may link: a new sign-up has no role until it holds a household.
@login_required
@require_http_methods(["GET", "POST"])
def link_account(request: HttpRequest) -> HttpResponse:
    if Member.objects.filter(account=request.user).exists():
        messages.info(request, "このアカウントはすでに加入者情報と連携しています。")
        return redirect("members:home")
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            linking.link_account(
                request.user, **form.cleaned_data, request=request, now=timezone.now()
            )
        except linking.AlreadyLinked:
            return redirect("members:home")
        except linking.LinkRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "加入者情報と連携しました。ご家族の情報をご覧いただけます。")
            return redirect("members:home")
    return render(request, "members/link_account.html", {"form": form})
