"""Finding 3: every free-text field refuses a twelve-digit run, through one shared validator,
never repeats it, and changes nothing; pages of records that already hold one show it masked."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from eligibility.applications import csv_upload as application_csv
from eligibility.applications.forms import ApplicationForm, PeopleSearchForm, ReturnForm
from eligibility.employers.forms import InviteForm
from eligibility.followup.forms import NoDocumentFilterForm
from eligibility.models import CertificateApplication
from members.forms import CopayMissingForm, MemberSearchForm
from members.models import Member
from notices.mismatch.forms import CloseForm, MismatchReportForm, RejectForm
from portal.forms import AuditFilterForm, InsurerForm
from portal.models import AuditEvent, contains_full_number
from portal.validators import FULL_NUMBER_MESSAGE, refuse_full_number
from tests.employer_world import TODAY
from tests.employer_world import buhin as buhin
from tests.employer_world import new_hire as new_hire
from tests.factories import make_employer, make_member
from tests.roster_world import csv_bytes, row, run
from tests.roster_world import employers as employers

NUMBERS = ["1234 5678 9012", "１２３４５６７８９０１２", "1234--5678--9012", "1234ー5678ー9012"]
SHOWN = ("9012", "９０１２")

FORMS = {
    "application": lambda data: ApplicationForm(data, eligible=[]),
    "return": ReturnForm,
    "insurer": InsurerForm,
    "invite": InviteForm,
    "audit_filter": AuditFilterForm,
    "member_search": MemberSearchForm,
    "copay_missing": CopayMissingForm,
    "people_search": PeopleSearchForm,
    "no_document_filter": NoDocumentFilterForm,
    "mismatch_report": MismatchReportForm,
    "mismatch_close": CloseForm,
    "mismatch_reject": RejectForm,
}


def _text_fields(make) -> list[str]:
    form = make(None)
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field.widget, forms.Textarea)
        or getattr(field.widget, "input_type", "") in ("text", "email", "search", "tel", "date")
    ]


CASES = [
    (key, name, number)
    for key, make in FORMS.items()
    for name in _text_fields(make)
    for number in NUMBERS
]


def test_every_listed_form_has_a_text_field(db):
    assert all(_text_fields(make) for make in FORMS.values())


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "name", "number"), CASES)
def test_every_free_text_field_refuses_a_full_number(key, name, number):
    form = FORMS[key]({name: f"連絡 {number} まで"})
    assert not form.is_valid()
    assert name in form.errors
    assert any("12桁" in message or "番号" in message for message in form.errors[name])
    assert name not in form.cleaned_data
    page = str(form)
    assert not any(shown in page for shown in SHOWN)


@pytest.mark.parametrize("number", NUMBERS)
def test_the_shared_validator(number):
    with pytest.raises(ValidationError) as raised:
        refuse_full_number(f"a{number}b")
    assert raised.value.messages == [FULL_NUMBER_MESSAGE]
    assert "9012" not in FULL_NUMBER_MESSAGE
    refuse_full_number("電話 03-1234-5678")  # eleven digits or fewer pass


# --- the roster: 氏名, カナ, 住所 ---------------------------------------------------------------


@pytest.mark.parametrize("column", ["氏名", "氏名カナ", "住所"])
@pytest.mark.parametrize("number", NUMBERS)
def test_the_roster_refuses_a_number_in_free_text(employers, column, number):
    imported = run(csv_bytes([row(**{column: f"東京都 {number}"})]))
    assert imported.outcome == "rejected"
    assert not Member.objects.exists()
    assert [error["column"] for error in imported.errors] == [column]
    assert "12桁" in imported.errors[0]["message"]
    assert not contains_full_number(str(imported.errors))
    event = AuditEvent.objects.get(action="roster.import", target_id=str(imported.pk))
    assert event.outcome == "failure"


# --- the application CSV: 理由の詳細 ---------------------------------------------------------


@pytest.mark.parametrize("number", NUMBERS)
def test_the_application_csv_refuses_a_number_in_the_reason(buhin, new_hire, number):
    data = (
        "記号,番号,枝番,氏名,生年月日,申請理由,理由の詳細\r\n"
        f"1201,8050,00,新井 翔,2003-04-02,その他,{number}に連絡\r\n"
    ).encode()
    result = application_csv.upload(
        io.BytesIO(data), employer=buhin, applied_on=TODAY, user=None, file_name="a.csv"
    )
    assert not result.applied
    assert any("12桁" in error["message"] for error in result.errors)
    assert not contains_full_number(str(result.errors))
    assert not CertificateApplication.objects.exists()


# --- records that already hold one (imported before the fix) ------------------------------------


def test_the_staff_member_page_of_a_name_with_a_number_answers_masked(client, clerk, insurer):
    member = make_member(make_employer(), name="山田　1234 5678 9012", birth_date=date(1985, 4, 1))
    Member.objects.filter(pk=member.pk).update(address="港区 1234-5678-9012")
    client.force_login(clerk)
    response = client.get(reverse("members:staff_member", args=[member.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert not any(shown in body for shown in SHOWN)
    assert "山田" in body and "港区" in body
    assert AuditEvent.objects.filter(action="member.view", target_id=str(member.pk)).exists()
    search = client.get(reverse("members:staff_search"), {"q": "山田"})
    assert search.status_code == 200 and "9012" not in search.content.decode()
