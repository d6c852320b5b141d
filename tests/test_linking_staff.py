"""登録コード: the staff pages (a code for one person, the mailing list, unlinking) and who may
use them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.linking import services as linking
from members.models import RegistrationCode
from portal.models import AuditEvent
from tests import linking_world
from tests.factories import make_employer, make_member
from tests.linking_world import csv_rows as _csv
from tests.linking_world import link_form as _link_form

# The shared fixtures, by name (tests/linking_world.py).
household = linking_world.household
newcomer = linking_world.newcomer


def _shown_code(response) -> str:
    return response.content.decode().split('class="registration-code">')[1].split("<")[0]


def test_a_clerk_issues_a_code_on_the_member_page_and_it_is_shown_once(client, household, clerk):
    client.force_login(clerk)
    page = client.get(reverse("members:staff_member", args=[household.pk])).content.decode()
    assert reverse("members:issue_code", args=[household.pk]) in page
    response = client.post(reverse("members:issue_code", args=[household.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    row = RegistrationCode.objects.get(member=household)
    assert linking.code_hash(_shown_code(response)) == row.code_hash
    assert row.created_by == clerk
    assert AuditEvent.objects.filter(action="registration_code.issue", actor=clerk).count() == 1


def test_the_code_page_shows_a_code_that_links(client, household, clerk, newcomer):
    client.force_login(clerk)
    code = _shown_code(client.post(reverse("members:issue_code", args=[household.pk])))
    client.force_login(newcomer)
    client.post(reverse("members:link"), _link_form(code))
    household.refresh_from_db()
    assert household.account == newcomer


def test_no_code_for_a_dependent(client, household, clerk):
    dependent = household.dependents.first()
    client.force_login(clerk)
    response = client.post(reverse("members:issue_code", args=[dependent.pk]))
    assert response.status_code == 302
    assert not RegistrationCode.objects.exists()


def test_the_mailing_list_csv_holds_working_codes(client, household, clerk, newcomer):
    client.force_login(clerk)
    assert client.get(reverse("members:mailing_list")).status_code == 200
    response = client.post(reverse("members:mailing_list"), {"employer": ""})
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv(response)
    assert [row["氏名"] for row in rows] == ["佐藤　一郎"]
    assert set(rows[0]) == set(linking.MAILING_LIST_HEADER)
    event = AuditEvent.objects.get(action="registration_code.mailing_list")
    assert event.detail == {"count": 1, "scope": "all"} and event.actor == clerk
    client.force_login(newcomer)
    client.post(reverse("members:link"), _link_form(rows[0]["登録コード"]))
    household.refresh_from_db()
    assert household.account == newcomer


def test_the_mailing_list_for_one_employer(client, household, clerk):
    other = make_member(make_employer("3301", "東西精機株式会社"), bango="1", name="伊藤　誠")
    client.force_login(clerk)
    rows = _csv(client.post(reverse("members:mailing_list"), {"employer": other.employer.pk}))
    assert [row["事業所名称"] for row in rows] == ["東西精機株式会社"]


def test_a_bad_employer_choice_is_a_message(client, household, clerk):
    client.force_login(clerk)
    response = client.post(reverse("members:mailing_list"), {"employer": "999999"})
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert not RegistrationCode.objects.exists()


def test_a_clerk_unlinks_an_account(client, household, clerk, member):
    household.account = member
    household.save()
    client.force_login(clerk)
    url = reverse("members:unlink", args=[household.pk])
    # A confirmation page first, and no unlinking without a reason.
    page = client.get(url).content.decode()
    assert "アカウントの連携を解除" in page and member.email in page
    seen = AuditEvent.objects.get(action="member.view", detail__page="unlink_confirm")
    assert seen.actor == clerk and seen.target_id == str(household.pk)
    refused = client.post(url, {"reason": " "})
    assert "解除の理由を入力してください。" in refused.content.decode()
    household.refresh_from_db()
    assert household.account == member
    assert not AuditEvent.objects.filter(action="member.unlink").exists()
    response = client.post(url, {"reason": "ご本人から、誤って連携したと申し出"})
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.account is None
    event = AuditEvent.objects.get(action="member.unlink")
    assert event.actor == clerk and event.target_id == str(household.pk)
    assert event.detail["reason"] == "ご本人から、誤って連携したと申し出"
    client.force_login(member)
    assert client.get(reverse("members:home")).status_code == 403  # no longer a member


@pytest.mark.parametrize("persona", ["member", "employer_user", "auditor"])
@pytest.mark.parametrize(
    ("name", "method", "with_pk"),
    [
        ("members:issue_code", "post", True),
        ("members:unlink", "post", True),
        ("members:mailing_list", "get", False),
        ("members:mailing_list", "post", False),
    ],
)
def test_staff_pages_are_refused_to_everyone_else(
    client, request, household, persona, name, method, with_pk
):
    household.account = request.getfixturevalue("other_member")
    household.save()
    client.force_login(request.getfixturevalue(persona))
    url = reverse(name, args=[household.pk] if with_pk else [])
    assert getattr(client, method)(url).status_code == 403
    household.refresh_from_db()
    assert household.account is not None
    assert not RegistrationCode.objects.exists()


def test_staff_pages_want_a_login_and_a_real_member(client, household, clerk):
    assert client.post(reverse("members:issue_code", args=[household.pk])).status_code == 302
    client.force_login(clerk)
    assert client.post(reverse("members:issue_code", args=[999999])).status_code == 404
    assert client.post(reverse("members:unlink", args=[999999])).status_code == 404
    assert client.get(reverse("members:issue_code", args=[household.pk])).status_code == 405
