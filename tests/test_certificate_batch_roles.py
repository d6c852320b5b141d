"""Finding 10 of issue 14: only a supervisor starts a bulk issue of 資格確認書 (職権交付 or
renewal), as the README says. Clerks see the lists and the batches, without a start button;
their start is refused with a 403 and a message, and nothing is started."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from eligibility.certificates.services import issue_certificate
from eligibility.models import CertificateBatch
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.employer_world import new_hire as new_hire
from tests.factories import make_member

pytestmark = pytest.mark.django_db
RENEWALS = "eligibility:certificate_renewals"
BATCHES = "eligibility:certificate_batches"


@pytest.fixture
def expiring(buhin):
    person = make_member(buhin, name="期限　近子", acquired_on=date(2012, 4, 1))
    return issue_certificate(
        person,
        issued_on=date(2023, 1, 1),
        valid_from=date(2023, 1, 1),
        valid_to=TODAY + timedelta(days=30),
        source="application",
    )


def test_a_clerk_sees_the_renewal_list_without_a_start_button(client, clerk, expiring):
    client.force_login(clerk)
    response = client.get(reverse(RENEWALS))
    page = response.content.decode()
    assert response.status_code == 200
    assert "期限　近子" in page
    assert "更新を開始する" not in page and 'name="certificate"' not in page
    assert "更新の開始は承認者(supervisor)が行います" in page


def test_a_clerk_cannot_start_a_renewal(client, clerk, expiring):
    client.force_login(clerk)
    for data in ({"days": "90"}, {"days": "90", "certificate": [expiring.pk]}):
        response = client.post(reverse(RENEWALS), data)
        assert response.status_code == 403
        assert "更新を開始できるのは承認者(supervisor)だけです" in response.content.decode()
    assert not CertificateBatch.objects.exists()


def test_a_supervisor_starts_a_renewal(client, supervisor, expiring):
    client.force_login(supervisor)
    page = client.get(reverse(RENEWALS)).content.decode()
    assert "更新を開始する" in page and 'name="certificate"' in page
    response = client.post(reverse(RENEWALS), {"days": "90"})
    batch = CertificateBatch.objects.get(kind="renewal")
    assert response["Location"] == reverse("eligibility:certificate_batch", args=[batch.pk])
    assert batch.created_by == supervisor


def test_a_clerk_cannot_start_an_ex_officio_issue(client, clerk, new_hire):
    client.force_login(clerk)
    page = client.get(reverse(BATCHES)).content.decode()
    assert "交付を開始する" not in page
    response = client.post(reverse(BATCHES), {"as_of": TODAY.isoformat(), "action": "start"})
    assert response.status_code == 403
    assert "職権交付を開始できるのは承認者(supervisor)だけです" in response.content.decode()
    assert not CertificateBatch.objects.exists()


def test_a_supervisor_starts_an_ex_officio_issue(client, supervisor, new_hire):
    client.force_login(supervisor)
    response = client.post(reverse(BATCHES), {"as_of": TODAY.isoformat(), "action": "start"})
    batch = CertificateBatch.objects.get(kind="ex_officio")
    assert response["Location"] == reverse("eligibility:certificate_batch", args=[batch.pk])


def test_the_homes_send_the_start_to_the_supervisor(client, clerk, supervisor):
    client.force_login(clerk)
    assert "一括交付・更新の開始は承認者(supervisor)が行います" in (
        client.get(reverse("staff_home")).content.decode()
    )
    client.force_login(supervisor)
    page = client.get(reverse("supervisor_home")).content.decode()
    assert reverse(RENEWALS) in page and reverse(BATCHES) in page
