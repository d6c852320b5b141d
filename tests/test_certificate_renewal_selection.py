"""The renewal page's selection: a ticked id the page could not have written (², 5,000 digits, a
letter) refuses the start, where it once made a 500, or was dropped and turned "these" into
"every certificate listed"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse

from eligibility.certificates.forms import RenewalSelectionForm
from eligibility.certificates.services import issue_certificate
from eligibility.models import CertificateBatch
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.factories import make_member


@pytest.fixture
def soon(buhin):
    person = make_member(buhin, name="期限　近子", acquired_on=date(2012, 4, 1))
    return issue_certificate(
        person,
        issued_on=date(2023, 1, 1),
        valid_from=date(2023, 1, 1),
        valid_to=TODAY + timedelta(days=30),
        source="application",
    )


@pytest.mark.parametrize(
    ("values", "pks"),
    [
        ([], []),
        (["12"], [12]),
        (["1", "2"], [1, 2]),
        (["²"], None),
        (["１２"], None),  # full-width digits: not what the page writes
        (["1" * 19], None),
        (["1" * 5000], None),
        (["-1"], None),
        (["1", "x"], None),  # one bad value refuses the lot
        ([""], None),
    ],
)
def test_the_selection_takes_only_the_ids_the_page_writes(values, pks):
    data = QueryDict(mutable=True)
    data.setlist("certificate", values)
    form = RenewalSelectionForm(data)
    assert form.is_valid() is (pks is not None)
    if pks is not None:
        assert form.cleaned_data["certificate"] == pks


@pytest.mark.parametrize("bad", ["²", "1" * 5000, "abc"])
def test_a_bad_selection_starts_no_renewal_at_all(client, supervisor, soon, bad):
    client.force_login(supervisor)
    url = reverse("eligibility:certificate_renewals")
    response = client.post(url, {"days": "90", "certificate": [bad]})
    assert response.status_code == 200
    assert "選択した資格確認書の指定が正しくないため、更新は開始していません。" in (
        response.content.decode()
    )
    assert not CertificateBatch.objects.exists()
    response = client.post(url, {"days": "90", "certificate": [str(soon.pk)]})
    assert response.status_code == 302
    assert CertificateBatch.objects.get().total == 1
