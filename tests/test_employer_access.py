"""An employer login sees its own people, applications and certificates only: everything of
another employer is a 404 on every view, as it is for members, auditors and logins without an
active employer link; anonymous visitors are sent to the login page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from eligibility.applications import services as applications
from eligibility.certificates import batches as certificate_batches
from eligibility.models import CertificateApplication, EligibilityCertificate
from members.employers import employer_of
from members.models import EmployerUser
from portal.roles import Role
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import brakes as brakes
from tests.employer_world import buhin as buhin
from tests.employer_world import hr as hr
from tests.employer_world import new_hire as new_hire
from tests.employer_world import other_hr as other_hr
from tests.employer_world import outsider as outsider
from tests.factories import make_member
from tests.personas import make_user
from tests.test_guards import _check_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(buhin, new_hire, clerk):
    """An issued application of 1201 (with its certificate) and a submitted one."""
    issued = applications.submit(buhin, [new_hire], reason="no_card", applied_on=TODAY, user=None)
    applications.approve(issued, today=TODAY, user=clerk)
    other = make_member(buhin, name="後藤　明", acquired_on=TODAY)
    pending = applications.submit(buhin, [other], reason="no_card", applied_on=TODAY, user=None)
    certificate = EligibilityCertificate.objects.get(member=new_hire)
    return {"person": new_hire, "issued": issued, "pending": pending, "certificate": certificate}


def _urls(records) -> list[tuple[str, str]]:
    person, pending = records["person"].pk, records["pending"].pk
    return [
        ("get", reverse("eligibility:employer_person", args=[person])),
        ("get", reverse("eligibility:employer_apply", args=[person])),
        ("post", reverse("eligibility:employer_apply", args=[person])),
        ("get", reverse("eligibility:employer_application", args=[records["issued"].pk])),
        ("get", reverse("eligibility:employer_application", args=[pending])),
        ("post", reverse("eligibility:employer_withdraw", args=[pending])),
        ("get", reverse("eligibility:employer_certificate_pdf", args=[records["certificate"].pk])),
    ]


def test_the_own_employer_reaches_every_view(client, hr, records):
    client.force_login(hr)
    for method, url in _urls(records):
        assert getattr(client, method)(url).status_code in {200, 302}, url


def test_another_employer_gets_a_404_on_every_view(client, other_hr, records):
    client.force_login(other_hr)
    for method, url in _urls(records):
        assert getattr(client, method)(url).status_code == 404, url
    assert CertificateApplication.objects.get(pk=records["pending"].pk).status == "submitted"


@pytest.mark.parametrize("persona", ["member", "auditor", "clerk"])
def test_other_roles_get_the_wrong_account_page(client, records, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for method, url in _urls(records):
        assert getattr(client, method)(url).status_code == 403, url


def test_an_employer_login_without_a_link_or_deactivated_gets_a_404(client, hr, records):
    unlinked = make_user("nobody@example.jp", Role.EMPLOYER)
    for user in (unlinked, hr):
        if user is hr:
            EmployerUser.objects.filter(user=hr).update(active=False)
        client.force_login(user)
        for method, url in _urls(records):
            assert getattr(client, method)(url).status_code == 404, url
        for name in ["employer_people", "employer_applications", "employer_upload"]:
            assert client.get(reverse(f"eligibility:{name}")).status_code == 404
        home = client.get(reverse("members:employer_home"))
        assert home.status_code == 200 and "事業所が登録されていません" in home.content.decode()


def test_anonymous_visitors_are_sent_to_login(client, records):
    for method, url in _urls(records):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_lists_hold_only_the_own_employer(client, hr, other_hr, records, outsider):
    client.force_login(other_hr)
    people = client.get(reverse("eligibility:employer_people")).content.decode()
    assert "中村　浩二" in people and "新井　翔" not in people
    searched = client.get(reverse("eligibility:employer_people"), {"q": "新井"}).content.decode()
    assert "新井　翔" not in searched
    listed = client.get(reverse("eligibility:employer_applications")).content.decode()
    assert records["issued"].number not in listed
    client.force_login(hr)
    listed = client.get(reverse("eligibility:employer_applications")).content.decode()
    assert records["issued"].number in listed and records["pending"].number in listed
    assert employer_of(hr).kigo == "1201" and employer_of(other_hr).kigo == "1305"


def test_a_member_downloads_only_their_own_households_certificates(client, member, records):
    client.force_login(member)
    url = reverse("eligibility:member_certificate_pdf", args=[records["certificate"].pk])
    assert client.get(url).status_code == 404
    person = records["person"]
    person.account = member
    person.save()
    assert client.get(url).status_code == 200


def test_every_page_with_data_has_one_h1_and_no_inline_code(client, hr, clerk, supervisor, records):
    batch = certificate_batches.start_renewal(
        [records["certificate"]], today=TODAY, actor=clerk, enqueue=False
    )
    pages = {
        hr: [
            reverse("members:employer_home"),
            reverse("eligibility:employer_people"),
            reverse("eligibility:employer_person", args=[records["person"].pk]),
            reverse("eligibility:employer_apply", args=[records["person"].pk]),
            reverse("eligibility:employer_applications") + "?status=issued",
            reverse("eligibility:employer_application", args=[records["issued"].pk]),
            reverse("eligibility:employer_application", args=[records["pending"].pk]),
            reverse("eligibility:employer_upload"),
        ],
        supervisor: [
            reverse("eligibility:staff_queue"),
            reverse("eligibility:staff_application", args=[records["issued"].pk]),
            reverse("eligibility:staff_application", args=[records["pending"].pk]),
            reverse("eligibility:employer_users"),
            reverse("eligibility:certificate_batches"),
            reverse("eligibility:certificate_batch", args=[batch.pk]),
            reverse("eligibility:certificate_renewals") + "?days=366",
            reverse("members:staff_member", args=[records["person"].pk]),
        ],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            _check_page(response, url)


def test_a_my_number_typed_into_the_search_is_refused_and_not_echoed(client, hr, records):
    client.force_login(hr)
    number = "123456789018"
    page = client.get(reverse("eligibility:employer_people"), {"q": number}).content.decode()
    assert "個人番号では検索できません" in page and number not in page
