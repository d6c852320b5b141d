"""資格確認書 for ages 70-74 and 75, through the pages: the 負担割合 on file (never guessed), the
有効期限 cut at 31 July and the 75th birthday eve, the refusals that write nothing, the PDF's
rows (負担割合, 発効期日, 資格喪失年月日), long names on two pages, the file name, and the
member's dashboard saying 無効 when the holder left."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from eligibility.applications import services as applications
from eligibility.certificates.services import issue_certificate
from eligibility.models import CertificateApplication, EligibilityCertificate
from portal.models import AuditEvent
from tests.employer_world import TODAY, pdf_text
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.employer_world import hr as hr
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _elderly(buhin, rate: str = "", **fields):
    person = make_member(
        buhin,
        name=fields.pop("name", "新井　節子"),
        birth_date=fields.pop("birth_date", date(1953, 5, 5)),  # 73 on TODAY
        acquired_on=date(2000, 4, 1),
        **fields,
    )
    person.copay_rate = rate
    person.save(update_fields=["copay_rate"])
    return person


def _apply_and_approve(client, hr, clerk, person, reason="no_card"):
    client.force_login(hr)
    response = client.post(
        reverse("eligibility:employer_apply", args=[person.pk]),
        {"people": [person.pk], "reason": reason},
    )
    assert response.status_code == 302, response.content.decode()
    application = CertificateApplication.objects.get(persons__member=person)
    client.force_login(clerk)
    response = client.post(reverse("eligibility:staff_approve", args=[application.pk]), follow=True)
    application.refresh_from_db()
    return application, response.content.decode()


def _pdf(client, certificate, url="eligibility:staff_certificate_pdf"):
    response = client.get(reverse(url, args=[certificate.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content), response


def test_a_70_to_74_person_without_a_rate_is_refused_at_approval_and_nothing_is_written(
    client, hr, clerk, buhin
):
    person = _elderly(buhin)
    application, page = _apply_and_approve(client, hr, clerk, person)
    assert "負担割合が未登録のため" in page
    assert application.status == CertificateApplication.Status.SUBMITTED
    assert not EligibilityCertificate.objects.exists()
    assert not AuditEvent.objects.filter(action="certificate_application.approve").exists()


def test_a_70_to_74_certificate_carries_the_rate_on_file_and_ends_on_31_july(
    client, hr, clerk, buhin
):
    person = _elderly(buhin, "3割")
    application, _ = _apply_and_approve(client, hr, clerk, person)
    assert application.status == CertificateApplication.Status.ISSUED
    certificate = EligibilityCertificate.objects.get(member=person)
    assert (certificate.valid_from, certificate.valid_to) == (TODAY, date(2027, 7, 31))
    assert certificate.snapshot["copay_ratio"] == "3割"
    text = pdf_text(_pdf(client, certificate)[0])
    assert "一部負担金の割合 3割" in text and "2割" not in text
    assert "発効期日 令和8年11月26日" in text
    assert "有効期限 令和9年7月31日" in text
    assert "資格喪失年月日" in text and "資格喪失年月日 令和" not in text  # blank: none


def test_a_69_year_old_gets_one_that_ends_the_day_before_the_70_74_rate_begins(
    client, hr, clerk, buhin
):
    # 70 on 2027-01-15: the rate applies from 2027-02-01, on a new certificate.
    person = _elderly(buhin, birth_date=date(1957, 1, 15))
    _apply_and_approve(client, hr, clerk, person)
    certificate = EligibilityCertificate.objects.get(member=person)
    assert certificate.valid_to == date(2027, 1, 31)
    assert "一部負担金の割合" not in pdf_text(_pdf(client, certificate)[0])


def test_a_74_year_old_gets_one_ending_the_day_before_75_with_the_loss_date_printed(
    client, hr, clerk, buhin
):
    person = _elderly(buhin, "2割", birth_date=date(1952, 3, 10))  # 75 on 2027-03-10
    _apply_and_approve(client, hr, clerk, person)
    certificate = EligibilityCertificate.objects.get(member=person)
    assert certificate.valid_to == date(2027, 3, 9)
    text = pdf_text(_pdf(client, certificate)[0])
    assert "有効期限 令和9年3月9日" in text
    assert "資格喪失年月日 令和9年3月10日" in text


def test_nobody_at_75_nor_a_dependent_of_a_leaver_can_be_applied_for(buhin):
    at_75 = _elderly(buhin, "2割", birth_date=date(1951, 11, 26))  # 75 today
    insured = make_member(buhin, name="退職　一郎", lost_on=TODAY)
    dependent = make_member(insured=insured, edaban="01", relation="子", name="退職　花子")
    found = applications.refusals([at_75, dependent], TODAY, needs_assistance=True)
    assert "加入していない" in found[at_75.pk] and "加入していない" in found[dependent.pk]


def test_staff_cannot_record_a_certificate_past_the_75th_birthday_eve_or_without_a_rate(
    client, clerk, buhin
):
    client.force_login(clerk)
    person = _elderly(buhin, "2割", birth_date=date(1952, 3, 10))
    url = reverse("eligibility:staff_certificate_add", args=[person.pk])
    form = {"issued_on": "2026-11-26", "valid_from": "2026-11-26", "valid_to": "2027-03-10"}
    page = client.post(url, form).content.decode()
    assert "有効期限は令和9年3月9日までです" in page
    unrated = _elderly(buhin, name="未登録　次郎")
    url = reverse("eligibility:staff_certificate_add", args=[unrated.pk])
    page = client.post(url, {**form, "valid_to": "2027-03-01"}).content.decode()
    assert "負担割合が未登録のため" in page
    assert not EligibilityCertificate.objects.exists()
    # Left empty, the 有効期限 is cut where the rules end it.
    response = client.post(url.replace(str(unrated.pk), str(person.pk)), {**form, "valid_to": ""})
    assert response.status_code == 302
    assert EligibilityCertificate.objects.get(member=person).valid_to == date(2027, 3, 9)


def test_a_long_name_steps_down_and_stays_on_the_two_pages_of_the_card(client, clerk, buhin):
    name = "寿限無寿限無五劫の擦り切れ海砂利水魚の" * 5 + "水行末雲来"  # 100 characters
    assert len(name) == 100
    person = make_member(buhin, name=name, acquired_on=date(2000, 4, 1))
    certificate = issue_certificate(
        person, issued_on=TODAY, valid_from=TODAY, valid_to=date(2031, 11, 25), source="staff"
    )
    client.force_login(clerk)
    document, response = _pdf(client, certificate)
    reader = PdfReader(io.BytesIO(document))
    assert len(reader.pages) == 2  # the card's front and back, no third page
    front = "".join(reader.pages[0].extract_text().split())
    assert "海砂利水魚の" in front and "交付年月日" in front  # the rows after the name too
    assert "保険者番号" in reader.pages[1].extract_text()
    disposition = response["Content-Disposition"]
    assert f"shikaku-kakuninsho-{person.kigo}_{person.bango}_00-no{certificate.pk}.pdf" in (
        disposition
    )


def _home(client, member_user, insured):
    insured.account = member_user
    insured.save(update_fields=["account"])
    client.force_login(member_user)
    return client.get(reverse("members:home")).content.decode()


def test_the_dashboard_shows_a_certificate_as_void_once_the_holder_left(
    client, member, buhin, time_machine
):
    insured = make_member(buhin, name="高橋　直樹", acquired_on=date(2000, 4, 1))
    child = make_member(insured=insured, edaban="01", relation="子", name="高橋　陽菜")
    issue_certificate(
        child, issued_on=TODAY, valid_from=TODAY, valid_to=date(2031, 11, 25), source="staff"
    )
    page = _home(client, member, insured)
    assert "有効期限 令和13年11月25日" in page and "無効" not in page
    # The insured person leaves on 2027-04-01: the dependent's coverage ends with it.
    insured.lost_on = date(2027, 4, 1)
    insured.save(update_fields=["lost_on"])
    page = _home(client, member, insured)
    assert "資格喪失により令和9年4月1日 (2027年)から無効になります" in page
    time_machine.move_to(date(2027, 4, 1))
    page = _home(client, member, insured)
    assert "無効</span>" in page and "資格喪失により令和9年4月1日 (2027年)から無効です" in page


def test_the_dashboard_says_75_when_the_holder_reached_it(client, member, buhin, time_machine):
    insured = _elderly(buhin, "2割", birth_date=date(1952, 3, 10), name="伊藤　大輔")
    issue_certificate(
        insured, issued_on=TODAY, valid_from=TODAY, valid_to=date(2027, 3, 9), source="staff"
    )
    time_machine.move_to(date(2027, 3, 10))
    page = _home(client, member, insured)
    assert "75歳到達(後期高齢者医療へ移行)により令和9年3月10日 (2027年)から無効です" in page
