"""要配慮者: a 資格確認書 while keeping the マイナ保険証 registration, on application through the
employer (form or CSV), renewed without a new application; the other reasons still refuse a
registered person."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from eligibility.applications import csv_upload as application_csv
from eligibility.certificates import batches
from eligibility.certificates.services import issue_certificate
from eligibility.models import CertificateApplication, EligibilityCertificate
from tests.employer_world import TODAY, register
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.employer_world import household as household
from tests.employer_world import hr as hr

pytestmark = pytest.mark.django_db


def _apply(client, hr, person, reason: str, detail: str = ""):
    client.force_login(hr)
    return client.post(
        reverse("eligibility:employer_apply", args=[person.pk]),
        {"people": [person.pk], "reason": reason, "reason_detail": detail},
    )


@pytest.mark.parametrize(
    "reason", ["care_certified", "disability_certificate", "dv_protection", "needs_assistance"]
)
def test_a_registered_person_who_needs_assistance_gets_a_certificate_and_keeps_it(
    client, hr, clerk, household, reason
):
    response = _apply(client, hr, household, reason)
    assert response.status_code == 302, response.content.decode()
    application = CertificateApplication.objects.get()
    assert application.needs_assistance
    client.force_login(clerk)
    client.post(reverse("eligibility:staff_approve", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == CertificateApplication.Status.ISSUED
    certificate = EligibilityCertificate.objects.get(member=household)
    assert certificate.needs_assistance
    # Valid from the approval: a kept registration never ends, so nothing to wait for.
    assert (certificate.valid_from, certificate.valid_to) == (TODAY, date(2031, 11, 25))
    assert household.myna_registration.status == "registered"


@pytest.mark.parametrize("reason", ["no_card", "registration_cancelled", "card_lost"])
def test_the_other_reasons_still_refuse_a_registered_person(client, hr, household, reason):
    response = _apply(client, hr, household, reason)
    assert response.status_code == 200
    assert "マイナ保険証の利用登録があるため、申請できません" in response.content.decode()
    assert not CertificateApplication.objects.exists()


def test_the_other_assistance_reason_keeps_its_detail(client, hr, household):
    _apply(client, hr, household, "needs_assistance", "介護施設に入所中のため")
    application = CertificateApplication.objects.get()
    assert application.reason_label.endswith("介護施設に入所中のため")


def test_the_csv_upload_takes_the_assistance_reasons(buhin, household):
    head = "記号,番号,枝番,氏名,生年月日,申請理由,理由の詳細\n"
    refused = f"{head}1201,8051,00,高橋　直樹,1990-12-24,1,\n".encode()
    result = application_csv.upload(
        io.BytesIO(refused), employer=buhin, applied_on=TODAY, user=None
    )
    assert not result.applied and "利用登録があるため" in result.errors[0]["message"]
    accepted = f"{head}1201,8051,00,高橋　直樹,1990-12-24,7,\n".encode()
    result = application_csv.upload(
        io.BytesIO(accepted), employer=buhin, applied_on=TODAY, user=None
    )
    assert result.applied, result.errors
    assert result.created[0].reason == "disability_certificate"


def test_the_renewal_batch_renews_a_registered_assistance_certificate(clerk, household, buhin):
    assisted = issue_certificate(
        household,
        issued_on=date(2022, 1, 5),
        valid_from=date(2022, 1, 5),
        valid_to=TODAY + timedelta(days=30),
        source="application",
        needs_assistance=True,
    )
    listed = list(batches.expiring(TODAY, 90))
    assert listed == [assisted]
    batch = batches.start_renewal(listed, today=TODAY, actor=clerk, enqueue=False)
    for chunk in batches.pending_chunks(batch.pk):
        batches.run_chunk(batch.pk, chunk, today=TODAY)
    renewal = EligibilityCertificate.objects.get(renews=assisted)
    assert renewal.needs_assistance and renewal.source == "renewal"
    assert renewal.valid_from == assisted.valid_to + timedelta(days=1)


def test_a_registered_holder_without_assistance_is_not_renewed(household, buhin):
    household.myna_registration.delete()
    plain = issue_certificate(
        household,
        issued_on=date(2022, 1, 5),
        valid_from=date(2022, 1, 5),
        valid_to=TODAY + timedelta(days=30),
        source="application",
    )
    register(household)  # registered since
    assert plain not in batches.expiring(TODAY, 90)
