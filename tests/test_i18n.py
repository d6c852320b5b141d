"""Languages (issue 17): member pages follow the browser, then the switch, which the account
remembers; staff and employer pages, the notices and the 資格確認書 stay Japanese; e-mails go
out in the member's language; 和暦 dates keep their 西暦 beside them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from notices import explanation
from notices.mismatch import casework
from notices.models import MismatchCase
from portal import pdf
from portal.models import AuditEvent, LanguagePreference
from tests import notice_world
from tests.notice_world import issue, pdf_text
from tests.personas import PASSWORD

household = notice_world.household
SWITCH = reverse("set_language")


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    ("accept", "lang", "says"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.5", "pt-br", "Bem-vindo"),
        ("en-US,en;q=0.9", "en", "Welcome to"),
        ("vi-VN,vi;q=0.9", "vi", "Chào mừng"),
        ("ja,en;q=0.5", "ja", "へようこそ"),
        ("de-DE", "ja", "へようこそ"),  # a language the portal lacks: its own, Japanese
    ],
)
def test_a_first_visit_follows_the_browsers_language(client, insurer, accept, lang, says):
    response = client.get(reverse("landing"), HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert _lang(response) == lang and response["Content-Language"] == lang
    assert says in response.content.decode()
    assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize("who", ["clerk", "supervisor", "auditor", "employer_user"])
def test_staff_and_employer_pages_stay_japanese_under_any_browser(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("home"), follow=True, HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert response.status_code == 200
    assert _lang(response) == "ja" and response["Content-Language"] == "ja"
    assert 'name="language"' not in response.content.decode()  # no switch on their pages


def test_the_staff_areas_stay_japanese_whoever_asks(client, insurer):
    # Signed out: the login redirect is all anyone gets, but in Japanese.
    response = client.get(reverse("staff_home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "ja"


def test_the_switch_sets_the_cookie_for_a_visitor_and_returns_to_the_page(client, insurer):
    response = client.post(SWITCH, {"language": "vi", "next": "/guide/"})
    assert response.status_code == 302 and response["Location"] == "/guide/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    page = client.get("/guide/", HTTP_ACCEPT_LANGUAGE="ja")
    assert _lang(page) == "vi"
    assert 'lang="vi" class="language-switch__button" aria-current="true"' in (
        page.content.decode()
    )


def test_the_switch_refuses_an_unknown_language_and_a_foreign_next(client, insurer):
    response = client.post(SWITCH, {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("landing")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    page = client.get(response["Location"]).content.decode()
    assert "表示する言語を一覧から選んでください。" in page


def test_a_members_choice_is_kept_on_the_account_audited_and_applied_at_login(
    client, member, insurer
):
    client.force_login(member)
    client.post(SWITCH, {"language": "pt-br", "next": reverse("members:home")})
    assert LanguagePreference.objects.get(user=member).language == "pt-br"
    event = AuditEvent.objects.get(action="account.language")
    assert event.actor == member and event.detail == {"from": "ja", "to": "pt-br"}
    # The same choice again changes nothing, and is not logged again.
    client.post(SWITCH, {"language": "pt-br", "next": "/"})
    assert AuditEvent.objects.filter(action="account.language").count() == 1
    # Another device, a Japanese browser, no cookie: the account's choice wins at login.
    other = Client()
    other.force_login(member)
    home = other.get(reverse("members:home"), HTTP_ACCEPT_LANGUAGE="ja")
    assert _lang(home) == "pt-br"
    assert 'name="language"' in home.content.decode()


def test_the_switch_needs_the_csrf_token_once_signed_in(member, insurer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(SWITCH, {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert not LanguagePreference.objects.filter(user=member).exists()
    # Signed out, the public pages' switch carries no token (they may be cached) and works.
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(SWITCH, {"language": "en", "next": "/"}).status_code == 302


def test_the_public_pages_stay_cacheable_with_the_switch_on_them(client, insurer):
    response = client.get("/guide/", HTTP_ACCEPT_LANGUAGE="en")
    assert "no-store" not in response.get("Cache-Control", "")
    assert 'name="language"' in response.content.decode()
    assert "csrfmiddlewaretoken" not in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", "令和6年12月2日 (2024年)"),
        ("en", "2024-12-02 (令和6年12月2日)"),
        ("vi", "2024-12-02 (令和6年12月2日)"),
    ],
)
def test_wareki_dates_carry_the_western_date_in_other_languages(language, expected):
    with translation.override(language):
        rendered = Template("{{ day|wareki_year }}|{{ day|wareki }}").render(
            Context({"day": date(2024, 12, 2)})
        )
    year, plain = rendered.split("|")
    assert year == expected
    assert plain == ("令和6年12月2日" if language == "ja" else expected)


def test_the_notice_stays_japanese_and_the_web_page_names_items_in_both(client, household, member):
    LanguagePreference.objects.create(user=member, language="en")
    notice = issue(household["insured"])
    client.force_login(member)
    page = client.get(reverse("notices:member_notice", args=[notice.pk])).content.decode()
    assert '<span lang="ja">氏名</span> / Name' in page
    assert '<span lang="ja">保険者番号</span> / Insurer number' in page
    pdf = client.get(reverse("notices:member_notice_pdf", args=[notice.pk]))
    _pages, text = pdf_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert "資格情報のお知らせ" in text and "Eligibility" not in text


def test_the_email_goes_out_in_the_members_language(
    household, member, mailoutbox, django_capture_on_commit_callbacks
):
    LanguagePreference.objects.create(user=member, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        issue(household["spouse"])
    mail = mailoutbox[0]
    assert mail.subject.endswith("An Eligibility Information Notice has been issued")
    assert "Dear 髙橋　花子," in mail.body and "A new Eligibility Information Notice" in mail.body
    assert '<html lang="en">' in mail.alternatives[0].content


def test_without_a_choice_the_email_stays_japanese(
    household, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue(household["spouse"])
    assert mailoutbox[0].subject.endswith("資格情報のお知らせを交付しました")


def test_the_mismatch_result_email_is_in_the_members_language(household, member, mailoutbox):
    LanguagePreference.objects.create(user=member, language="vi")
    notice = issue(household["insured"])
    case = MismatchCase.objects.create(
        member=household["insured"],
        notice=notice,
        reported_by=member,
        registered_last4="1111",
        reported_last4="2222",
        contact="090-1234-5678",
        status=MismatchCase.Status.NO_ERROR,
        closed_at=timezone.now(),
    )
    assert casework.notify_closed(case.pk)
    assert "Chúng tôi đã kiểm tra xong" in mailoutbox[-1].subject + mailoutbox[-1].body


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "Explanation of the Eligibility Information Notice"),
        ("pt-br", "Explicação do Aviso de Informações de Elegibilidade"),
        ("vi", "Giải thích về Thông báo thông tin tư cách bảo hiểm"),
    ],
)
def test_the_explanation_beside_the_notice_is_one_page_in_the_members_language(
    client, household, member, language, says
):
    LanguagePreference.objects.create(user=member, language=language)
    notice = issue(household["spouse"])
    client.force_login(member)
    page = client.get(reverse("notices:member_notice", args=[notice.pk])).content.decode()
    url = reverse("notices:member_notice_explanation", args=[notice.pk])
    assert url in page and url in client.get(reverse("members:home")).content.decode()
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    pages, text = pdf_text(response.content)
    assert pages == 1
    assert says in text and "マイナンバー下4桁" in text  # the items as printed on the notice
    assert "髙橋　𠮷男" in text.replace(" ", "　")  # the person, rare kanji as on the notice
    event = AuditEvent.objects.get(action="notice.explanation_download")
    assert event.actor == member and event.detail["language"] == language


def test_japanese_members_are_not_offered_the_explanation(client, household, member):
    notice = issue(household["insured"])
    client.force_login(member)
    page = client.get(reverse("notices:member_notice", args=[notice.pk])).content.decode()
    assert reverse("notices:member_notice_explanation", args=[notice.pk]) not in page


@pytest.mark.parametrize(
    ("language", "says"), [("vi", "Đăng nhập"), ("pt-br", "Entrar"), ("en", "Sign In")]
)
def test_allauths_login_page_speaks_the_visitors_language(client, insurer, language, says):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("account_login")).content.decode()
    assert f'<html lang="{language}">' in page and says in page


def test_a_language_chosen_before_signing_in_is_kept_for_the_account(client, member, insurer):
    client.post(SWITCH, {"language": "vi", "next": "/"})
    # A real sign-in (force_login's request carries no cookies).
    signed_in = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert LanguagePreference.objects.get(user=member).language == "vi"
    assert AuditEvent.objects.filter(action="account.language", actor=member).count() == 1
    home = client.get(reverse("members:home"), HTTP_ACCEPT_LANGUAGE="ja")
    assert _lang(home) == "vi"


def test_explanations_are_limited_per_hour(client, household, member, monkeypatch):
    # Each is laid out on request: a login cannot keep a web worker busy with them.
    monkeypatch.setattr(explanation, "PER_HOUR", 1)
    LanguagePreference.objects.create(user=member, language="en")
    notice = issue(household["spouse"])
    client.force_login(member)
    url = reverse("notices:member_notice_explanation", args=[notice.pk])
    assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429 and refused.content.decode().count("<h1") == 1
    assert AuditEvent.objects.filter(action="notice.explanation_download").count() == 1


def test_an_explanation_that_cannot_be_printed_is_refused_and_not_recorded(
    client, household, member, monkeypatch
):
    def missing(notice):
        raise pdf.MissingGlyph({"\U0001f600"})

    monkeypatch.setattr(explanation, "render_explanation", missing)
    LanguagePreference.objects.create(user=member, language="en")
    notice = issue(household["spouse"])
    client.force_login(member)
    response = client.get(reverse("notices:member_notice_explanation", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("notices:member_notice", args=[notice.pk])
    assert not AuditEvent.objects.filter(action="notice.explanation_download").exists()


def test_a_bad_page_number_is_explained_in_the_members_language(client, household, member):
    LanguagePreference.objects.create(user=member, language="en")
    client.force_login(member)
    page = client.get(reverse("members:access_log"), {"page": "x"}).content.decode()
    assert "The page number was not valid, so the first page is shown." in page


def test_a_batch_of_emails_reads_each_households_language_with_its_login(db, insurer, mailoutbox):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from eligibility.notifications import notify_households
    from notices.services import notify_household
    from portal.roles import Role
    from tests.factories import make_member
    from tests.personas import make_user

    def households(count: int, first: int) -> list[int]:
        ids = []
        for n in range(first, first + count):
            head = make_member(bango=str(100 + n), name=f"山田　{n}")
            head.account = make_user(f"head{n}@example.jp", Role.MEMBER)
            head.save()
            LanguagePreference.objects.create(user=head.account, language=("en", "vi")[n % 2])
            child = make_member(insured=head, bango=head.bango, edaban="01", relation="子")
            ids.append(child.pk)
        return ids

    def queries(send, ids: list[int]) -> int:
        mailoutbox.clear()
        with CaptureQueriesContext(connection) as captured:
            assert send(ids) == len(ids)
        return len(captured.captured_queries)

    few, many = households(1, 0), households(5, 1)
    for send in (notify_household, notify_households):
        alone = queries(send, few)
        # 4 more households: their audit rows only (no language or insurer query each).
        assert alone and queries(send, many) - alone == 4
        languages = {mail.alternatives[0].content.split('lang="')[1][:2] for mail in mailoutbox}
        assert languages == {"en", "vi"}
