"""The member's side of a mismatch: reporting from a notice, refusals, and the case status."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from notices.models import MismatchCase, MismatchEvent, Notice
from notices.services import issue_notice
from portal.models import AuditEvent
from tests.factories import make_member
from tests.mismatch_world import NUMBERS, assert_no_full_number, make_household, report, spellings

FULL = NUMBERS["other"]


@pytest.fixture
def household(db, insurer, member):
    return make_household(member)


def test_each_notice_with_digits_offers_the_report(client, household, member):
    client.force_login(member)
    home = client.get(reverse("members:home")).content.decode()
    page = client.get(reverse("notices:member_notice", args=[household.spouse_notice.pk]))
    for notice in (household.insured_notice, household.spouse_notice):
        assert reverse("members:mismatch_report", args=[notice.pk]) in home
    url = reverse("members:mismatch_report", args=[household.spouse_notice.pk])
    assert url in page.content.decode()
    form = client.get(url).content.decode()
    assert "髙橋　𠮷男" in form and NUMBERS["spouse"][-4:] in form


def test_a_report_opens_a_case_the_member_can_follow(client, household, member):
    client.force_login(member)
    case = report(client, household.spouse_notice, "１２３４", comment="カードと違います")
    assert (case.member, case.reported_by) == (household.spouse, member)
    assert (case.registered_last4, case.reported_last4) == (NUMBERS["spouse"][-4:], "1234")
    assert case.status == MismatchCase.Status.RECEIVED and case.contact == "090-1234-5678"
    assert MismatchEvent.objects.get(case=case).kind == "reported"
    event = AuditEvent.objects.get(action="mismatch.report")
    assert event.detail["reported_last4"] == "1234" and event.target_id == str(household.spouse.pk)
    page = client.get(reverse("members:mismatch_member_case", args=[case.pk])).content.decode()
    assert "受付済み" in page and "1234" in page
    home = client.get(reverse("members:home")).content.decode()
    assert reverse("members:mismatch_member_case", args=[case.pk]) in home


@pytest.mark.parametrize(
    "field",
    ["card_last4", "contact", "comment"],
)
@pytest.mark.parametrize(
    "typed",
    [
        FULL,
        f"{FULL[:4]} {FULL[4:8]} {FULL[8:]}",
        f"{FULL[:4]}－{FULL[4:8]}－{FULL[8:]}",
        spellings(FULL)[3],
    ],
    ids=["plain", "spaced", "fullwidth-dash", "fullwidth"],
)
def test_twelve_digits_are_refused_explained_and_never_echoed(
    client, household, member, field, typed
):
    client.force_login(member)
    data = {"card_last4": "1234", "contact": "hanako@example.jp", "comment": "", field: typed}
    response = client.post(
        reverse("members:mismatch_report", args=[household.spouse_notice.pk]), data
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "マイナンバー(12桁)はウェブではお受けしていません" in text
    assert_no_full_number([("form", text)], [FULL])
    assert not MismatchCase.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"card_last4": "12"}, "下4桁(数字4つ)"),
        ({"card_last4": "abcd"}, "下4桁(数字4つ)"),
        ({"contact": "電話ください"}, "連絡先は電話番号"),
        ({"contact": ""}, "必須"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(client, household, member, data, message):
    client.force_login(member)
    payload = {"card_last4": "1234", "contact": "03-1234-5678", **data}
    url = reverse("members:mismatch_report", args=[household.spouse_notice.pk])
    response = client.post(url, payload)
    assert response.status_code == 200 and message in response.content.decode()
    assert not MismatchCase.objects.exists()


def test_one_open_case_per_person(client, household, member):
    client.force_login(member)
    first = report(client, household.spouse_notice)
    url = reverse("members:mismatch_report", args=[household.spouse_notice.pk])
    again = client.post(url, {"card_last4": "9999", "contact": "03-1234-5678"})
    assert again.status_code == 302
    assert again["Location"] == reverse("members:mismatch_member_case", args=[first.pk])
    assert MismatchCase.objects.filter(member=household.spouse).count() == 1
    # Another person of the household may still report.
    report(client, household.insured_notice)
    assert MismatchCase.objects.count() == 2


def test_the_database_keeps_one_open_case_per_person_too(household, member):
    from django.db import IntegrityError, transaction

    common = {
        "member": household.spouse,
        "notice": household.spouse_notice,
        "registered_last4": "2840",
        "reported_last4": "1111",
        "contact": "x@example.jp",
    }
    MismatchCase.objects.create(**common)
    with pytest.raises(IntegrityError), transaction.atomic():
        MismatchCase.objects.create(**common)


def test_notices_of_others_without_digits_or_superseded_are_404(
    client, household, member, other_member
):
    child = make_member(
        insured=household.insured,
        edaban="02",
        relation="子",
        name="髙橋　﨑",
        name_kana="タカハシ　サキ",
    )
    without_digits = issue_notice(child, Notice.Reason.INITIAL, now=timezone.now(), notify=False)
    assert not without_digits.shows_last4
    newer = issue_notice(household.spouse, Notice.Reason.REISSUE, now=timezone.now(), notify=False)
    client.force_login(member)
    for notice in (without_digits, household.spouse_notice):  # no digits; superseded
        url = reverse("members:mismatch_report", args=[notice.pk])
        assert client.get(url).status_code == 404
    assert client.get(reverse("members:mismatch_report", args=[newer.pk])).status_code == 200
    client.force_login(other_member)
    assert client.get(reverse("members:mismatch_report", args=[newer.pk])).status_code == 404
    assert client.post(reverse("members:mismatch_report", args=[newer.pk])).status_code == 404


def test_other_members_never_see_a_case(client, household, member, other_member):
    client.force_login(member)
    case = report(client, household.spouse_notice)
    client.force_login(other_member)
    assert client.get(reverse("members:mismatch_member_case", args=[case.pk])).status_code == 404
    assert (
        reverse("members:mismatch_member_case", args=[case.pk])
        not in client.get(reverse("members:home")).content.decode()
    )


def test_reports_are_rate_limited_per_account(client, household, member, settings):

    settings.MISMATCH_REPORTS_PER_ACCOUNT = 1
    client.force_login(member)
    report(client, household.spouse_notice)
    url = reverse("members:mismatch_report", args=[household.insured_notice.pk])
    response = client.post(url, {"card_last4": "1234", "contact": "03-1234-5678"})
    assert response.status_code == 429
    assert MismatchCase.objects.count() == 1
