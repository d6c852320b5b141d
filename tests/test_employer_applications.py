"""Applications for 資格確認書: every refusal, households, withdrawal, and the staff review
(re-checks at approval, returns, an issue that fails and is retried)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from eligibility.applications import services as applications
from eligibility.certificates.services import issue_certificate
from eligibility.models import (
    ApplicationPerson,
    CertificateApplication,
    EligibilityCertificate,
)
from eligibility.records.services import EligibilityRefused, update_certificate
from portal.models import AuditEvent
from tests.employer_world import TODAY, register
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import brakes as brakes
from tests.employer_world import buhin as buhin
from tests.employer_world import household as household
from tests.employer_world import hr as hr
from tests.employer_world import new_dependent as new_dependent
from tests.employer_world import new_hire as new_hire
from tests.employer_world import outsider as outsider
from tests.factories import make_member

pytestmark = pytest.mark.django_db
Status = CertificateApplication.Status


def _submit(employer, people, reason="no_card", detail="", user=None):
    return applications.submit(
        employer, people, reason=reason, reason_detail=detail, applied_on=TODAY, user=user
    )


def _refused(employer, people, **kwargs) -> str:
    with pytest.raises(applications.ApplicationRefused) as refused:
        _submit(employer, people, **kwargs)
    assert not CertificateApplication.objects.exists()
    return " ".join(refused.value.messages)


# --- refusals -----------------------------------------------------------------------------------


def test_a_person_not_enrolled_is_refused(buhin):
    left = make_member(buhin, name="退職　太郎", acquired_on=date(2010, 4, 1), lost_on=TODAY)
    future = make_member(buhin, name="入社　予定", acquired_on=date(2026, 12, 1))
    assert "退職　太郎さんは申請日の時点で加入していない" in _refused(buhin, [left])
    assert "入社　予定さんは申請日の時点で加入していない" in _refused(buhin, [future])


def test_a_person_with_a_valid_certificate_is_refused(buhin, new_hire):
    issue_certificate(
        new_hire,
        issued_on=date(2026, 10, 5),
        valid_from=date(2026, 10, 5),
        valid_to=date(2031, 10, 4),
        source="application",
    )
    message = _refused(buhin, [new_hire])
    assert "すでに有効な資格確認書があります(有効期限 令和13年10月4日)" in message


def test_an_expired_or_returned_certificate_does_not_stop_an_application(buhin, new_hire):
    certificate = EligibilityCertificate.objects.create(
        member=new_hire,
        issued_on=date(2026, 10, 5),
        valid_from=date(2026, 10, 5),
        valid_to=date(2031, 10, 4),
        returned_on=date(2026, 11, 1),
    )
    assert _submit(buhin, [new_hire]).status == Status.SUBMITTED
    assert certificate.returned_on


def test_an_active_registration_is_refused_unless_its_cancellation_is_recorded(buhin, household):
    assert "マイナ保険証の利用登録があるため" in _refused(buhin, [household])
    registration = household.myna_registration
    registration.status = "cancelled"
    registration.cancellation_applied_on = date(2026, 11, 10)
    registration.save()
    application = _submit(buhin, [household], reason="registration_cancelled")
    assert application.status == Status.SUBMITTED


def test_a_duplicate_pending_application_is_refused(buhin, new_hire):
    first = _submit(buhin, [new_hire])
    with pytest.raises(applications.ApplicationRefused) as refused:
        _submit(buhin, [new_hire])
    assert f"審査中の申請(受付番号 {first.number})があります" in refused.value.messages[0]
    assert CertificateApplication.objects.count() == 1


def test_the_database_itself_refuses_two_open_applications_for_one_person(buhin, new_hire):
    first = _submit(buhin, [new_hire])
    second = CertificateApplication.objects.create(
        employer=buhin, insured=new_hire, applied_on=TODAY, reason="no_card"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationPerson.objects.create(
            application=second,
            member=new_hire,
            kigo="1201",
            bango=new_hire.bango,
            edaban="00",
            name=new_hire.name,
            birth_date=new_hire.birth_date,
        )
    assert first.persons.get().open


def test_other_needs_its_text_and_reasons_are_checked(buhin, new_hire):
    assert "理由を具体的に入力" in _refused(buhin, [new_hire], reason="other")
    assert "申請理由を選んでください" in _refused(buhin, [new_hire], reason="whatever")


def test_one_application_covers_one_household_of_the_employer(buhin, new_hire, outsider):
    other = make_member(buhin, name="別世帯　花子", acquired_on=date(2026, 10, 1))
    assert "同じ世帯" in _refused(buhin, [new_hire, other])
    assert "この事業所の加入者ではない方" in _refused(buhin, [outsider])
    assert "1人以上" in _refused(buhin, [])


def test_a_household_application_covers_several_people(buhin, new_hire):
    spouse = make_member(
        insured=new_hire, edaban="01", relation="配偶者", name="新井　美和", acquired_on=TODAY
    )
    application = _submit(buhin, [spouse, new_hire])
    assert application.insured == new_hire
    assert [p.edaban for p in application.persons.all()] == ["00", "01"]
    assert application.persons.get(edaban="01").name == "新井　美和"


# --- the form -----------------------------------------------------------------------------------


def test_the_form_lists_the_household_with_who_can_be_applied_for(
    client, hr, household, new_dependent
):
    client.force_login(hr)
    page = client.get(reverse("eligibility:employer_apply", args=[new_dependent.pk])).content
    page = page.decode()
    # The insured person is registered: only a 要配慮者 reason can apply for them.
    assert "要配慮者の申請理由でのみ申請できます" in page
    assert f'value="{new_dependent.pk}" id="person-{new_dependent.pk}" checked' in page
    assert f'value="{household.pk}" id="person-{household.pk}"' in page
    assert "扶養追加" in page


def test_ticking_someone_who_cannot_be_applied_for_changes_nothing(client, hr, household):
    client.force_login(hr)
    response = client.post(
        reverse("eligibility:employer_apply", args=[household.pk]),
        {"people": [household.pk], "reason": "no_card"},
    )
    assert response.status_code == 200
    # Registered, and not a 要配慮者 reason: refused with why.
    assert "マイナ保険証の利用登録があるため、申請できません" in response.content.decode()
    assert not CertificateApplication.objects.exists()


def test_the_form_asks_for_the_text_of_other(client, hr, new_hire):
    client.force_login(hr)
    url = reverse("eligibility:employer_apply", args=[new_hire.pk])
    response = client.post(url, {"people": [new_hire.pk], "reason": "other"})
    assert "理由を具体的に入力してください" in response.content.decode()
    response = client.post(url, {"people": [new_hire.pk]})
    assert "申請理由を選んでください" in response.content.decode()
    assert not CertificateApplication.objects.exists()
    response = client.post(
        url, {"people": [new_hire.pk], "reason": "other", "reason_detail": "海外赴任"}
    )
    application = CertificateApplication.objects.get()
    assert response["Location"] == reverse(
        "eligibility:employer_application", args=[application.pk]
    )
    assert application.reason_label == "その他(海外赴任)"
    event = AuditEvent.objects.get(action="certificate_application.submit")
    assert event.actor == hr and event.detail["people"] == 1


def test_a_refusal_found_on_submitting_is_shown_on_the_form(client, hr, buhin, new_hire):
    client.force_login(hr)
    page = client.get(reverse("eligibility:employer_apply", args=[new_hire.pk]))
    assert page.status_code == 200
    _submit(buhin, [new_hire])  # meanwhile, someone else applied
    response = client.post(
        reverse("eligibility:employer_apply", args=[new_hire.pk]),
        {"people": [new_hire.pk], "reason": "no_card"},
    )
    assert response.status_code == 200
    assert "申請できない方が選ばれています" in response.content.decode()
    assert CertificateApplication.objects.count() == 1


# --- withdrawal ---------------------------------------------------------------------------------


def test_the_employer_withdraws_an_undecided_application_and_may_apply_again(
    client, hr, buhin, new_hire
):
    application = _submit(buhin, [new_hire], user=hr)
    client.force_login(hr)
    page = client.get(reverse("eligibility:employer_application", args=[application.pk]))
    assert "申請を取り下げる" in page.content.decode()
    client.post(reverse("eligibility:employer_withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN and application.withdrawn_by == hr
    assert not application.persons.get().open
    assert AuditEvent.objects.filter(action="certificate_application.withdraw").exists()
    assert _submit(buhin, [new_hire]).status == Status.SUBMITTED


def test_a_decided_application_cannot_be_withdrawn(client, hr, clerk, buhin, new_hire):
    application = _submit(buhin, [new_hire])
    applications.return_application(application, "記載に誤りがあります。", user=clerk)
    client.force_login(hr)
    response = client.post(
        reverse("eligibility:employer_withdraw", args=[application.pk]), follow=True
    )
    assert "「差戻し」のため取り下げられません" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.RETURNED


# --- review -------------------------------------------------------------------------------------


def test_the_queue_is_oldest_first_with_the_age(client, clerk, buhin, new_hire, time_machine):
    older = _submit(buhin, [new_hire])
    CertificateApplication.objects.filter(pk=older.pk).update(
        submitted_at=older.submitted_at.replace(day=16)
    )
    newer_person = make_member(buhin, name="後藤　明", acquired_on=date(2026, 11, 1))
    newer = _submit(buhin, [newer_person])
    client.force_login(clerk)
    page = client.get(reverse("eligibility:staff_queue")).content.decode()
    assert page.index(older.number) < page.index(newer.number)
    assert "10日" in page and "0日" in page


def test_approval_checks_the_people_again(client, clerk, buhin, new_hire):
    application = _submit(buhin, [new_hire])
    register(new_hire)  # registered as マイナ保険証 after the application
    client.force_login(clerk)
    detail = client.get(reverse("eligibility:staff_application", args=[application.pk]))
    assert "承認できません" in detail.content.decode()
    response = client.post(reverse("eligibility:staff_approve", args=[application.pk]), follow=True)
    assert "マイナ保険証の利用登録があるため" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not EligibilityCertificate.objects.exists()


def test_returning_needs_a_reason(client, clerk, buhin, new_hire):
    application = _submit(buhin, [new_hire])
    client.force_login(clerk)
    response = client.post(
        reverse("eligibility:staff_return", args=[application.pk]),
        {"return_reason": "  "},
        follow=True,
    )
    assert "差戻しの理由を入力してください" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_a_cancelled_registration_starts_the_certificate_after_it_ends(clerk, buhin, household):
    register(household, "cancelled", cancelled=date(2026, 11, 10))  # usable until 2026-12-31
    application = _submit(buhin, [household], reason="registration_cancelled")
    applications.approve(application, today=TODAY, user=clerk)
    certificate = EligibilityCertificate.objects.get(member=household)
    assert (certificate.valid_from, certificate.valid_to) == (date(2027, 1, 1), date(2031, 12, 31))


def test_an_issue_that_fails_leaves_the_application_approved_until_retried(
    client, clerk, buhin, new_hire
):
    new_hire.name = "新井　\U0001f600"  # not in any of the fonts
    new_hire.save()
    application = _submit(buhin, [new_hire])
    client.force_login(clerk)
    response = client.post(reverse("eligibility:staff_approve", args=[application.pk]), follow=True)
    assert "書体にない文字" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.APPROVED and "書体にない文字" in application.issue_error
    assert not EligibilityCertificate.objects.exists()
    assert application.persons.get().open  # still pending: no second application
    new_hire.name = "新井　翔"
    new_hire.save()
    client.post(reverse("eligibility:staff_approve", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == Status.ISSUED and application.issue_error == ""
    assert EligibilityCertificate.objects.get().member == new_hire


def test_the_dates_of_an_issued_certificate_cannot_be_edited_only_its_return(
    clerk, buhin, new_hire
):
    application = _submit(buhin, [new_hire])
    applications.approve(application, today=TODAY, user=clerk)
    certificate = EligibilityCertificate.objects.get()
    dates = {
        "issued_on": certificate.issued_on,
        "valid_from": certificate.valid_from,
        "valid_to": certificate.valid_to,
        "revoked_on": None,
    }
    with pytest.raises(EligibilityRefused):
        update_certificate(certificate, **{**dates, "valid_to": date(2027, 1, 1)}, returned_on=None)
    update_certificate(certificate, **dates, returned_on=date(2026, 12, 1))
    certificate.refresh_from_db()
    assert certificate.returned_on == date(2026, 12, 1)
