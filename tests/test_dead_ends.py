"""Dead ends closed: the 登録コード lockout says how long; a returned application can be applied
for again, prefilled; the re-authentication page says what the password is for. (Unlinking's
confirmation and reason: tests/test_linking_staff.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import override_settings
from django.urls import reverse

from eligibility.applications import services as applications
from eligibility.models import CertificateApplication
from members.linking import services as linking
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import brakes as brakes
from tests.employer_world import buhin as buhin
from tests.employer_world import hr as hr
from tests.employer_world import new_hire as new_hire
from tests.employer_world import other_hr as other_hr
from tests.linking_world import link_form as _link_form
from tests.personas import make_user

pytestmark = pytest.mark.django_db


# --- the lockout names the minutes left ---------------------------------------------------------


@override_settings(LINK_FAILURE_WINDOW_SECONDS=3600)
@pytest.mark.parametrize(
    ("now", "minutes"),
    [
        (datetime(2026, 11, 20, 10, 45, 0, tzinfo=UTC), 15),
        (datetime(2026, 11, 20, 10, 59, 30, tzinfo=UTC), 1),  # rounded up, never "0 minutes"
        (datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC), 60),
        (datetime(2026, 11, 20, 10, 0, 1, tzinfo=UTC), 60),
    ],
)
def test_the_minutes_until_the_lock_lifts(now, minutes):
    assert linking.minutes_until_unlocked(now) == minutes
    assert f"あと{minutes}分ほど" in linking.rate_limited_message(now)


@override_settings(LINK_FAILURE_WINDOW_SECONDS=1800)
def test_a_window_from_settings(db):
    now = datetime(2026, 11, 20, 10, 10, 0, tzinfo=UTC)
    assert linking.minutes_until_unlocked(now) == 20


@override_settings(LINK_MAX_FAILURES_PER_ACCOUNT=2)
def test_the_locked_out_member_is_told_how_long(client, db):
    client.force_login(make_user("guess@example.jp", None))
    for _ in range(2):
        client.post(reverse("members:link"), _link_form("AAAA-BBBB-CCCC"))
    page = client.post(reverse("members:link"), _link_form("AAAA-BBBB-CCCC")).content.decode()
    assert "受付を一時停止しています" in page
    assert "分ほどたってから" in page


# --- 再申請 after a return -----------------------------------------------------------------------


def _returned(employer, people, clerk) -> CertificateApplication:
    application = applications.submit(
        employer,
        people,
        reason="other",
        reason_detail="カードの受け取りが遅れるため",
        applied_on=TODAY,
        user=None,
    )
    return applications.return_application(application, "理由をもう少し具体的に。", user=clerk)


def test_a_returned_application_offers_a_prefilled_reapplication(
    client, hr, buhin, new_hire, clerk
):
    application = _returned(buhin, [new_hire], clerk)
    client.force_login(hr)
    page = client.get(reverse("eligibility:employer_application", args=[application.pk]))
    again = f"{reverse('eligibility:employer_apply', args=[new_hire.pk])}?again={application.pk}"
    assert f'href="{again}"' in page.content.decode()
    assert "再申請" in page.content.decode()
    form = client.get(again).content.decode()
    assert f'value="{new_hire.pk}" id="person-{new_hire.pk}" checked' in form
    assert re.search(r'<input type="radio" name="reason" value="other"[^>]*checked', form)
    assert "カードの受け取りが遅れるため" in form
    # Sent as corrected, it is a new application; the returned one stays as it was.
    response = client.post(
        again,
        {"people": [new_hire.pk], "reason": "other", "reason_detail": "受け取りが12月になるため"},
    )
    assert response.status_code == 302
    assert CertificateApplication.objects.filter(status="submitted").count() == 1
    application.refresh_from_db()
    assert application.status == "returned"


def test_only_a_returned_application_of_ones_own_employer_prefills(
    client, hr, other_hr, buhin, new_hire, clerk
):
    application = _returned(buhin, [new_hire], clerk)
    client.force_login(other_hr)
    url = reverse("eligibility:employer_apply", args=[new_hire.pk])
    assert client.get(f"{url}?again={application.pk}").status_code == 404
    client.force_login(hr)
    for junk in ["abc", "-1", "9" * 30, "", "²"]:
        assert client.get(f"{url}?again={junk}").status_code == 200


# --- the re-authentication page says what the password is for ---------------------------------


def test_the_reauthentication_page_says_why(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("account_reauthenticate")).content.decode()
    assert "訂正の承認など、重要な操作の前にパスワードを確認します" in page
    assert "承認画面に戻ります" not in page
    url = f"{reverse('account_reauthenticate')}?next=/staff/mismatch/7/"
    page = client.get(url).content.decode()
    assert "マイナンバー訂正の承認画面に戻ります" in page
    assert page.count("<h1") == 1


def test_an_application_sent_with_nothing_ticked_is_summarised_at_the_top(client, hr, new_hire):
    client.force_login(hr)
    url = reverse("eligibility:employer_apply", args=[new_hire.pk])
    page = client.post(url, {"reason": "no_card"}).content.decode()
    assert 'role="alert"' in page
    assert '<a href="#id_people_0">申請する方を1人以上選んでください。</a>' in page
    assert 'id="id_people_0"' in page  # the link lands on the list of people
