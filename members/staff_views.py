"""業務課 staff: find a member, and read one member's record. Every read is audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from eligibility.status import staff_status
from members.access import get_member_for_staff, member_records
from members.models import Employer, Member, MyNumberConflict
from members.search import (
    MY_NUMBER_REFUSED,
    CappedPaginator,
    ParsedQuery,
    SearchInputError,
    parse_birth_date,
    parse_query,
    search_members,
)
from portal import audit
from portal.models import AuditEvent, contains_full_number
from portal.roles import Role, role_required

audit.register("member.search", "加入者の検索")
audit.register("member.view", "加入者情報の閲覧")

PER_PAGE = 50
HISTORY_LIMIT = 50
_TEXT_ERRORS = {"null_characters_not_allowed": "使用できない文字が含まれています。"}


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label="氏名・カナ・記号番号",
        required=False,
        max_length=100,
        error_messages=_TEXT_ERRORS,
        help_text="例: 山田 花子、やまだ、ﾔﾏﾀﾞ、1201-15(一部だけでも検索できます)",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    birth_date = forms.CharField(
        label="生年月日",
        required=False,
        max_length=30,
        error_messages=_TEXT_ERRORS,
        help_text="例: 1985-04-01、昭和60年4月1日、S60.4.1",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.all(), label="事業所", required=False, empty_label="すべて"
    )
    include_lost = forms.BooleanField(label="喪失者を含む", required=False, initial=True)

    def __init__(self, data: QueryDict | None = None) -> None:
        # A My Number typed into a box is refused and not even echoed back into the page.
        self.refused = [
            name
            for name in ("q", "birth_date")
            if data and contains_full_number(data.get(name, ""))
        ]
        if self.refused:
            data = data.copy()
            for name in self.refused:
                data[name] = ""
        super().__init__(data)

    def clean(self) -> dict[str, Any]:
        for name in self.refused:
            self.add_error(name, MY_NUMBER_REFUSED)
        return super().clean()

    def clean_q(self) -> ParsedQuery:
        try:
            return parse_query(self.cleaned_data["q"])
        except SearchInputError as error:
            raise forms.ValidationError(error.message) from None

    def clean_birth_date(self) -> date | None:
        try:
            return parse_birth_date(self.cleaned_data["birth_date"])
        except SearchInputError as error:
            raise forms.ValidationError(error.message) from None

    def has_criteria(self) -> bool:
        data = self.cleaned_data
        return not data["q"].is_empty or bool(data["birth_date"] or data["employer"])


def _criteria_for_audit(data: dict[str, Any]) -> dict[str, Any]:
    """What was searched for, as parsed: 記号・番号 or a name fragment, never anything else."""
    parsed: ParsedQuery = data["q"]
    criteria: dict[str, Any] = {}
    if parsed.number is not None:
        criteria["kigo"], criteria["bango"] = parsed.number.kigo, parsed.number.bango
        if parsed.number.edaban is not None:
            criteria["edaban"] = parsed.number.edaban
    elif parsed.name:
        criteria["name"] = parsed.name
    if data["birth_date"]:
        criteria["birth_date"] = data["birth_date"].isoformat()
    if data["employer"]:
        criteria["employer"] = data["employer"].kigo
    criteria["include_lost"] = data["include_lost"]
    return criteria


@role_required(Role.CLERK, Role.SUPERVISOR)
def staff_search(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = MemberSearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "page": None, "today": today}
    if form.is_bound and form.is_valid() and form.has_criteria():
        data = form.cleaned_data
        members = search_members(
            query=request.GET.get("q", ""),
            birth_date=data["birth_date"],
            employer=data["employer"],
            include_lost=data["include_lost"],
            as_of=today,
        )
        paginator = CappedPaginator(members, PER_PAGE, one_scan=data["q"].is_short)
        page = paginator.get_page(request.GET.get("page"))
        audit.record(
            "member.search",
            request=request,
            detail={
                **_criteria_for_audit(data),
                "page": page.number,
                "results": paginator.count,
                "capped": paginator.capped,
            },
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            rows=[(member, member.is_enrolled(today)) for member in page],
            query=query.urlencode(),
        )
    else:
        # Nothing to search for yet (errors are shown by the form itself).
        context["hint"] = not form.is_bound or not form.errors
    return render(request, "members/staff_search.html", context)


@role_required(Role.CLERK, Role.SUPERVISOR)
def staff_member(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_staff(request, pk)
    today = timezone.localdate()
    audit.record("member.view", request=request, target=member, target_label=str(member))
    head_id = member.insured_id or member.pk
    household = (
        member_records()
        .filter(Q(pk=head_id) | Q(insured_id=head_id))
        .order_by("kigo", "bango", "edaban")
    )
    conflicts = (
        MyNumberConflict.objects.filter(Q(member=member) | Q(holder=member))
        .filter(resolved_at__isnull=True)
        .select_related("member", "holder")
        .defer(
            "member__mynumber_token",
            "member__mynumber_hash",
            "holder__mynumber_token",
            "holder__mynumber_hash",
        )
    )
    history = AuditEvent.objects.filter(
        target_type=Member._meta.label, target_id=str(member.pk)
    ).order_by("-at", "-id")[:HISTORY_LIMIT]
    account = member.account if member.account_id else None
    context = {
        "member": member,
        "today": today,
        "enrolled": member.is_enrolled(today),
        "household": [(person, person.is_enrolled(today)) for person in household],
        "account": account,
        "conflicts": conflicts,
        "history": history,
        "history_limit": HISTORY_LIMIT,
        "eligibility": staff_status(member, today),
        "notices": member.notices.defer("snapshot").select_related("issued_by"),
    }
    return render(request, "members/staff_member.html", context)
