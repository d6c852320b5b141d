"""Errors a visitor can meet: the wrong account for a page (a branded 403), another household's
object (still a plain 404), a stale form (the portal's own CSRF page), and Django's 404/500
templates in the portal's voice."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path, reverse

from portal.models import AuditEvent
from tests.factories import make_member
from tests.mismatch_world import make_household

pytestmark = pytest.mark.django_db

WRONG_ACCOUNT = "このアカウントではご利用になれません"


def _one_h1(page: str) -> bool:
    return page.count("<h1") == 1


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("member", "staff_home"),
        ("member", "members:staff_search"),
        ("employer_user", "supervisor_home"),
        ("clerk", "audit_log"),
        ("auditor", "members:home"),
    ],
)
def test_an_account_without_the_role_gets_the_branded_403(
    client, request, insurer, persona, url_name
):
    client.force_login(request.getfixturevalue(persona))
    events = AuditEvent.objects.count()
    response = client.get(reverse(url_name))
    page = response.content.decode()
    assert response.status_code == 403
    assert WRONG_ACCOUNT in page and _one_h1(page)
    assert f'href="{reverse("home")}"' in page  # a way home
    assert AuditEvent.objects.count() == events  # a refusal writes nothing


def test_a_post_to_a_staff_url_is_refused_the_same_way_and_changes_nothing(client, insurer, member):
    client.force_login(member)
    name = insurer.name
    response = client.post(reverse("insurer_edit"), {"name": "乗っ取り"})
    assert response.status_code == 403 and WRONG_ACCOUNT in response.content.decode()
    insurer.refresh_from_db()
    assert insurer.name == name


def test_another_households_notice_stays_a_plain_404(client, insurer, member, other_member):
    theirs = make_household(other_member, bango="16")
    own = make_member(theirs.insured.employer, name="佐藤　一郎")
    own.account = member
    own.save()
    client.force_login(member)
    assert client.get(reverse("members:home")).status_code == 200
    response = client.get(reverse("notices:member_notice", args=[theirs.insured_notice.pk]))
    assert response.status_code == 404
    assert WRONG_ACCOUNT not in response.content.decode()


def test_anonymous_visitors_are_still_sent_to_log_in(client, insurer):
    response = client.get(reverse("staff_home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_stale_form_gets_the_portals_own_page(insurer, clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    name = insurer.name
    response = client.post(reverse("insurer_edit"), {"name": "古いフォーム"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "もう一度お試しください" in page and "保存されていません" in page
    assert "CSRF" not in page and "Forbidden" not in page  # not Django's English page
    assert '<html lang="ja">' in page and _one_h1(page)
    assert f'href="{reverse("landing")}"' in page
    insurer.refresh_from_db()
    assert insurer.name == name


def test_a_stale_login_form_too(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@example.jp", "password": "x"})
    assert response.status_code == 403
    assert "もう一度お試しください" in response.content.decode()


def test_the_404_and_500_pages_are_the_portals(client, insurer):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in page and _one_h1(page) and 'lang="ja"' in page
    page = render_to_string("500.html")
    assert "エラーが発生しました" in page and _one_h1(page) and 'lang="ja"' in page


def _fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fails/", _fails)]  # for the test below only (pytest.mark.urls)


@pytest.mark.urls(__name__)
def test_the_500_page_speaks_the_visitors_language(client, insurer):
    client.raise_request_exception = False
    response = client.get("/fails/", headers={"accept-language": "en"})
    page = response.content.decode()
    assert response.status_code == 500
    assert 'lang="en"' in page and "An error occurred" in page and _one_h1(page)
    assert "エラー" not in page
