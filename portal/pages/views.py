"""The pages that show several apps at once: the member's home, the employer's home and the
staff member page. Each app supplies its part as data; only these views put them together."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from eligibility.status import household_advice, household_certificates, staff_status
from members.access import get_member_for_staff
from members.households import household_of
from members.views import member_record_context
from notices import rules as notice_rules
from notices.mismatch.access import household_cases, member_cases
from notices.mismatch.conflicts import open_conflicts, sees_holders
from notices.services import household_notices
from portal import audit
from portal.pages.employer import home_context
from portal.pages.member import person_cards
from portal.roles import Role, role_required


@role_required(Role.MEMBER)
@require_GET
def member_home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    household = household_of(request.user, today)
    if household is not None:
        request.user._portal_display_name = household.insured.name  # the greeting's name
    notices = household_notices(household, today)
    certificates = household_certificates(household)  # read once: the advice weighs them too
    context = {
        "household": household,
        "notices": notices,
        "today": today,
        # One card per person: what to bring today, the notice, certificates and reports.
        "cards": person_cards(
            household,
            household_advice(household, today, certificates),
            notices,
            certificates,
            household_cases(household.people if household else None),
        ),
    }
    return render(request, "portal/pages/member_home.html", context)


@role_required(Role.EMPLOYER)
@require_GET
def employer_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/pages/employer_home.html", home_context(request))


@role_required(Role.CLERK, Role.SUPERVISOR)
@require_GET
def staff_member(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_staff(request, pk)
    today = timezone.localdate()
    audit.record("member.view", request=request, target=member, target_label=str(member))
    context = member_record_context(member, today)
    context["eligibility"] = staff_status(member, today)
    context["notices"] = member.notices.defer("snapshot").select_related("issued_by")
    # A current notice stops being valid the day coverage ends (notices.rules.lapse).
    context["notice_lapse"] = notice_rules.lapse(member.birth_date, member.coverage_lost_on, today)
    context["mismatch_cases"] = member_cases(member)
    # Who holds a conflicting number is for supervisors only (a clerk sees that someone does).
    context["conflicts"] = open_conflicts(request.user, about=member)
    context["sees_holders"] = sees_holders(request.user)
    return render(request, "portal/pages/staff_member.html", context)
