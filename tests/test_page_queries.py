"""The busiest pages cost a fixed number of queries, whatever the size of what they show
(issue 16): the member's home for a household of 1 or of 8, the notice page and its PDF, the
staff search, the employer's people list and the mismatch queue. A query per row (a lookup in
a template, a relation not joined) shows up here as a count that grows with the data."""

from __future__ import annotations

from datetime import date

import pytest
from allauth.account.forms import LoginForm
from django import forms
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from eligibility.employers.services import ensure_link
from eligibility.guide.forms import GuideForm
from eligibility.records import services as records
from members.forms import MemberSearchForm
from members.models import Member
from members.services import register_my_number
from notices.mismatch.forms import QueueFilterForm
from notices.models import MismatchCase, Notice
from notices.services import issue_notice
from portal.formrender import PortalFormRenderer
from portal.models import AuditEvent
from tests.factories import make_employer, make_member, valid_my_number
from tests.mismatch_world import report

# The member's home: the session, the user (roles and TOTP in the same row), the household,
# its notices, its 資格確認書, its records, its reports. The insurer is a per-process copy.
MEMBER_HOME_MAX = 8
NOTICE_PAGE_MAX = 5
LIST_PAGE_MAX = 10
GIVEN = ["花子", "太郎", "次郎", "三郎", "四郎", "五郎", "六郎", "七子"]


def _household(account, size: int, *, bango: str, family: str = "髙橋") -> list[Member]:
    """An insured person and size - 1 dependents, each with a notice, a legacy card and either
    a マイナ保険証 registration or a 資格確認書: everything the home page shows per person."""
    employer = make_employer()
    insured = make_member(employer, bango=bango, name=f"{family}　{GIVEN[0]}")
    people = [insured] + [
        make_member(
            insured=insured,
            edaban=f"{n:02d}",
            relation="子",
            name=f"{family}　{GIVEN[n]}",
            birth_date=date(2010, 1, n),
        )
        for n in range(1, size)
    ]
    insured.account = account
    insured.save()
    today = timezone.localdate()
    for n, person in enumerate(people):
        register_my_number(
            person, valid_my_number(31415900000 + int(bango) * 10 + n), source="test"
        )
        issue_notice(person, Notice.Reason.INITIAL, now=timezone.now(), notify=False)
        records.update_legacy_card(person, issued=True, issued_on=date(2010, 4, 1), expires_on=None)
        if n % 2:  # no マイナ保険証: a 資格確認書 instead
            records.add_certificate(
                person, issued_on=date(2025, 11, 20), valid_from=date(2025, 12, 2)
            )
            continue
        records.update_registration(
            person,
            status="registered",
            registered_on=date(2023, 5, 10),
            cancellation_applied_on=None,
            card_certificate_expires_on=None,
            has_card=True,
            today=today,
        )
    return people


def _queries(client, url: str, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(captured.captured_queries), body.decode(errors="replace")


def test_the_member_home_costs_the_same_for_one_person_or_eight(
    client, insurer, member, other_member, settings
):
    settings.MISMATCH_REPORTS_PER_ACCOUNT = 20
    alone = _household(member, 1, bango="15")
    eight = _household(other_member, 8, bango="16", family="渡邉")
    for person in eight:  # a report per person: the cards list them too
        client.force_login(other_member)
        report(client, Notice.objects.get(member=person))
    home = reverse("members:home")

    client.force_login(member)
    _queries(client, home)  # the first request of a session sets its clocks
    one, page_one = _queries(client, home)
    client.force_login(other_member)
    _queries(client, home)
    many, page_many = _queries(client, home)

    assert alone[0].name in page_one
    assert all(person.name in page_many for person in eight)
    assert page_many.count("受付") >= 8  # each person's report is on the page
    assert 0 < one == many <= MEMBER_HOME_MAX, (one, many)


def test_the_notice_page_and_its_pdf_are_bounded_and_audited(client, insurer, member):
    people = _household(member, 8, bango="15")
    client.force_login(member)
    for person in (people[0], people[7]):
        notice = Notice.objects.get(member=person)
        shown, page = _queries(client, reverse("notices:member_notice", args=[notice.pk]))
        pdf, _ = _queries(client, reverse("notices:member_notice_pdf", args=[notice.pk]))
        # The greeting: the insured person's name, on a dependent's notice too, no query for it.
        assert f"{people[0].name} 様" in page
        assert 0 < shown <= NOTICE_PAGE_MAX and 0 < pdf <= NOTICE_PAGE_MAX, (shown, pdf)
    assert AuditEvent.objects.filter(action="notice.view").count() == 2
    assert AuditEvent.objects.filter(action="notice.download").count() == 2


def _satos(count: int, *, first: int) -> None:
    employer = make_employer()
    for n in range(count):
        insured = make_member(employer, bango=str(first + n), name=f"佐藤　{GIVEN[n % 8]}")
        make_member(insured=insured, edaban="01", relation="子", name=f"佐藤　子{n}")


def test_the_staff_search_costs_the_same_for_3_or_40_results(client, clerk):
    for n in range(30):  # employers for the form's list
        make_employer(str(3000 + n), f"第{n + 1}工業株式会社")
    client.force_login(clerk)
    url = reverse("members:staff_search")
    _satos(2, first=100)
    _queries(client, url, q="佐藤")
    few, page_few = _queries(client, url, q="佐藤")
    _satos(18, first=200)
    many, page_many = _queries(client, url, q="佐藤")
    assert page_few.count("佐藤　") == 4 and page_many.count("佐藤　") >= 20
    assert 0 < few == many <= LIST_PAGE_MAX, (few, many)


def test_the_employer_people_list_costs_the_same_for_2_or_40_people(client, employer_user):
    employer = make_employer()
    ensure_link(employer_user, employer)
    client.force_login(employer_user)
    url = reverse("eligibility:employer_people")
    _satos(1, first=100)
    _queries(client, url)
    few, page_few = _queries(client, url)
    _satos(20, first=200)
    many, page_many = _queries(client, url)
    assert page_few.count("佐藤　") == 2 and page_many.count("佐藤　") == 42
    assert 0 < few == many <= LIST_PAGE_MAX, (few, many)


def test_the_mismatch_queue_costs_the_same_for_1_or_8_cases(
    client, insurer, member, clerk, settings
):
    settings.MISMATCH_REPORTS_PER_ACCOUNT = 20
    people = _household(member, 8, bango="15")
    client.force_login(member)
    report(client, Notice.objects.get(member=people[0]))
    client.force_login(clerk)
    url = reverse("members:mismatch_queue")
    _queries(client, url)
    few, _ = _queries(client, url)
    client.force_login(member)
    for person in people[1:]:
        report(client, Notice.objects.get(member=person))
    client.force_login(clerk)
    _queries(client, url)
    many, page = _queries(client, url)
    assert MismatchCase.objects.count() == 8
    assert all(person.name in page for person in people)
    assert 0 < few == many <= LIST_PAGE_MAX, (few, many)


class _Widgets(forms.Form):
    """Every widget the portal writes out itself (portal.formrender), odd values included."""

    plain = forms.ChoiceField(
        choices=[("", "---"), ("x", 'X&<>"'), ("Grp&", [("1", "one"), (2, 2000)])],
        required=False,
    )
    yes_no = forms.NullBooleanField()
    several = forms.MultipleChoiceField(
        choices=[("1", "a"), ("2", "b")],
        widget=forms.SelectMultiple(attrs={"data-on": True, "data-off": False, "title": 'q"<'}),
    )
    name = forms.CharField(max_length=5, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    mail = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    count = forms.IntegerField(required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    agree = forms.BooleanField()
    pick = forms.ChoiceField(choices=[("a", "A&B"), ("b", "<b>")], widget=forms.RadioSelect)
    ticks = forms.MultipleChoiceField(
        choices=[("1", "一"), ("2", "二")], widget=forms.CheckboxSelectMultiple, required=False
    )
    note = forms.CharField(widget=forms.Textarea, required=False)


_BAD = {"plain": "1", "several": ["1", "2"], "name": "<長すぎる名前>", "mail": "x@",
        "secret": 's"<', "count": "x", "day": "2024-02-30", "hidden": "&", "pick": "b",
        "ticks": ["2"], "note": "<p>"}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make",
    [
        _Widgets,
        lambda: _Widgets(_BAD),
        lambda: _Widgets({"plain": "x", "name": "花子", "agree": "on", "pick": "a"}),
        MemberSearchForm,
        lambda: MemberSearchForm({"q": "", "birth_date": "2024-13-01"}),
        lambda: QueueFilterForm({"status": "received"}),
        GuideForm,
        lambda: GuideForm({"birth_date": "x"}),
        LoginForm,
    ],
    ids=[
        "unbound",
        "errors",
        "valid",
        "search",
        "search-errors",
        "queue",
        "guide",
        "guide-errors",
        "login",
    ],
)
def test_the_portal_renders_forms_exactly_as_django_does(make):
    make_employer("1201", "日本部品工業株式会社")
    make_employer("1202", "東和精機<株>")
    form = make()
    form.is_valid() if form.is_bound else None
    form.renderer = PortalFormRenderer()
    ours = [str(form), *(str(form[name]) for name in form.fields)]
    form.renderer = DjangoTemplates()
    assert ours == [str(form), *(str(form[name]) for name in form.fields)]
    assert "<input" in ours[0] or "<select" in ours[0]
