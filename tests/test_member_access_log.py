"""The member's access log (issue 17): who did what with the household's records, told as a
role and organisation, never as a staff member's name or address; its CSV and PDF downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from eligibility import notifications
from eligibility.employers.services import ensure_link
from members.households import household_of
from members.linking import services as linking
from members.services import register_my_number
from notices import services as notice_services
from notices.models import Notice
from portal import audit
from portal.audit_actions import ACTION_LABELS
from portal.models import AuditEvent, LanguagePreference
from portal.pages import access_log_export as export
from portal.pages.access_log import MEMBER_LABELS, AccessLog
from tests.factories import make_employer, make_member, valid_my_number
from tests.mismatch_world import spellings
from tests.personas import make_user

NUMBER = valid_my_number(31415926535)
OTHER_NUMBER = valid_my_number(27182818284)
URL = reverse("members:access_log")


@pytest.fixture
def household(db, insurer, member):
    insured = make_member(bango="15", name="髙橋　花子", name_kana="タカハシ　ハナコ")
    spouse = make_member(
        insured=insured, edaban="01", relation="配偶者", name="髙橋　一郎", name_kana="タカハシ"
    )
    register_my_number(insured, NUMBER, source="test")
    insured.account = member
    insured.save()
    return {"insured": insured, "spouse": spouse}


@pytest.fixture
def other_household(db, insurer, other_member):
    insured = make_member(bango="16", name="佐藤　次郎", name_kana="サトウ　ジロウ")
    register_my_number(insured, OTHER_NUMBER, source="test")
    insured.account = other_member
    insured.save()
    return insured


def _issue(person) -> Notice:
    return notice_services.issue_notice(person, Notice.Reason.INITIAL, now=timezone.now())


def _rows(client) -> list[list[str]]:
    """The page's table as text, one list of cells per row."""
    html = client.get(URL).content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _no_full_number(text: str) -> None:
    for number in (NUMBER, OTHER_NUMBER):
        assert not any(spelling in text for spelling in spellings(number))


def test_a_staff_view_of_the_notice_shows_the_department_never_the_person(
    client, household, clerk, member
):
    notice = _issue(household["insured"])
    client.force_login(clerk)
    assert client.get(reverse("notices:staff_notice_pdf", args=[notice.pk])).status_code == 200
    client.get(reverse("members:staff_member", args=[household["spouse"].pk]))
    client.force_login(member)
    response = client.get(URL)
    page = response.content.decode()
    assert page.count("<h1") == 1
    rows = _rows(client)
    assert rows[0][1:] == ["登録内容の閲覧", "髙橋　一郎", "業務課"]
    assert rows[1][1:] == ["資格情報のお知らせのダウンロード", "髙橋　花子", "業務課"]
    assert ["資格情報のお知らせの交付", "髙橋　花子", "システム"] in [row[1:] for row in rows]
    # Neither the staff member's address nor the stored actor label, nor any address at all.
    assert "clerk@" not in page and "kenpo.example.jp" not in page
    assert "127.0.0.1" not in page
    _no_full_number(page)


def test_another_households_events_never_appear(
    client, household, other_household, clerk, member, other_member
):
    _issue(household["insured"])
    _issue(other_household)
    client.force_login(clerk)
    client.get(reverse("members:staff_member", args=[household["insured"].pk]))
    client.get(reverse("members:staff_member", args=[other_household.pk]))
    client.force_login(other_member)
    other_notice = Notice.objects.get(member=other_household)
    client.get(reverse("notices:member_notice", args=[other_notice.pk]))
    client.force_login(member)
    rows = _rows(client)
    # Its own: the number registered, the notice issued, the clerk's view; nothing else.
    assert sorted(row[1] for row in rows) == sorted(
        ["マイナンバーの登録・更新", "資格情報のお知らせの交付", "登録内容の閲覧"]
    )
    assert all(row[2] in {"髙橋　花子", "髙橋　一郎"} for row in rows)
    assert "佐藤" not in client.get(URL).content.decode()
    csv_text = b"".join(client.get(reverse("members:access_log_csv")).streaming_content).decode()
    assert "佐藤" not in csv_text and len(csv_text.strip().splitlines()) == 1 + 3 + 1
    client.force_login(other_member)
    theirs = _rows(client)
    assert "髙橋" not in client.get(URL).content.decode()
    assert {row[3] for row in theirs} >= {"ご本人(このアカウント)", "業務課"}


def test_an_employers_view_shows_the_employer_code(client, household, employer_user, member):
    ensure_link(employer_user, make_employer("1201"))
    client.force_login(employer_user)
    response = client.get(reverse("eligibility:employer_person", args=[household["spouse"].pk]))
    assert response.status_code == 200
    client.force_login(member)
    assert ["資格の情報の閲覧", "髙橋　一郎", "事業所 1201"] in [row[1:] for row in _rows(client)]
    assert "hr@" not in client.get(URL).content.decode()


def test_refusals_are_left_out_but_an_attempt_to_link_the_household(client, household, member):
    stranger_account = make_user("stranger@example.jp", None)  # not linked to anything
    # A correction refused (the number is held by another member): nothing changed.
    audit.record(
        "mismatch.approve",
        target=household["spouse"],
        outcome=AuditEvent.Outcome.DENIED,
        detail={"refused": "HeldByAnother"},
    )
    # Someone else tries to link a login to this household with a wrong 登録コード.
    with pytest.raises(linking.LinkRefused):
        linking.link_account(
            stranger_account,
            kigo=household["insured"].kigo,
            bango=household["insured"].bango,
            birth_date=date(1985, 4, 1),
            code="AAAA-BBBB-CCCC",
            ip="192.0.2.5",
            now=timezone.now(),
        )
    client.force_login(member)
    rows = [row[1:] for row in _rows(client)]
    assert ["アカウント連携の失敗(登録コードなどの不一致)", "髙橋　花子", "他のアカウント"] in rows
    assert not any("訂正" in row[0] for row in rows)
    assert "192.0.2.5" not in client.get(URL).content.decode()


def test_the_accounts_own_security_events_show_but_not_its_logins(client, household, member):
    audit.record("auth.login", actor=member, target=member)
    audit.record("auth.mfa_activated", actor=member, target=member, detail={"type": "totp"})
    audit.record(
        "auth.login_failed",
        actor=member,
        target=member,
        outcome=AuditEvent.Outcome.FAILURE,
        detail={"step": "mfa"},
    )
    client.force_login(member)
    rows = [row[1:] for row in _rows(client)]
    assert rows[:2] == [
        ["ログインの失敗(二段階認証)", "アカウント", "ログインを試みた方(不明)"],
        ["二段階認証の設定", "アカウント", "ご本人(このアカウント)"],
    ]
    assert not any(row[0].startswith("ログイン") for row in rows[2:])


def test_the_csv_download_is_complete_and_itself_logged(client, household, clerk, member):
    client.force_login(clerk)
    client.get(reverse("members:staff_member", args=[household["insured"].pk]))
    client.force_login(member)
    response = client.get(reverse("members:access_log_csv"))
    assert response["Cache-Control"] == "private, no-store"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["日時", "内容", "対象の方", "操作した人・組織"]
    # Newest first: this download, then the clerk's view, then the registration.
    assert [row[1:] for row in rows[1:]] == [
        ["アクセス記録のダウンロード(CSV)", "髙橋　花子", "ご本人(このアカウント)"],
        ["登録内容の閲覧", "髙橋　花子", "業務課"],
        ["マイナンバーの登録・更新", "髙橋　花子", "システム"],
    ]
    assert rows[1][0].startswith("令和")
    assert AuditEvent.objects.filter(action="access_log.csv", actor=member).count() == 1
    assert "clerk@" not in text and "last4" not in text and NUMBER[-4:] not in text
    _no_full_number(text)


def test_the_pdf_download_reads_as_the_page_and_is_logged(client, household, supervisor, member):
    client.force_login(supervisor)
    client.get(reverse("members:staff_member", args=[household["spouse"].pk]))
    client.force_login(member)
    response = client.get(reverse("members:access_log_pdf"))
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    joined = "".join(text.split())  # a cell's text may wrap onto several lines
    assert "アクセス記録" in text and "髙橋　花子 様のご家族" in text
    assert "業務課(承認者)" in joined and "髙橋一郎" in joined
    assert "アクセス記録のダウンロード(PDF)" in joined  # it is its own newest row
    assert "supervisor@" not in text
    _no_full_number(text)
    event = AuditEvent.objects.get(action="access_log.pdf")
    assert event.actor == member and event.target_id == str(household["insured"].pk)
    # Viewing the page writes nothing: only the downloads are recorded.
    before = AuditEvent.objects.count()
    client.get(URL)
    assert AuditEvent.objects.count() == before


def test_pdfs_are_limited_per_hour(client, household, member, monkeypatch):
    monkeypatch.setattr(export, "PDF_PER_HOUR", 1)
    monkeypatch.setattr(export, "PDF_MAX_ROWS", 1)
    client.force_login(member)
    assert client.get(reverse("members:access_log_pdf")).status_code == 200
    response = client.get(reverse("members:access_log_pdf"))
    assert response.status_code == 429 and response.content.decode().count("<h1") == 1
    assert AuditEvent.objects.filter(action="access_log.pdf").count() == 1


def test_the_new_notice_email_is_recorded_and_shown_without_the_address(
    client, household, member, mailoutbox
):
    _issue(household["insured"])
    assert notice_services.notify_household([household["insured"].pk]) == 1
    assert len(mailoutbox) == 1
    event = AuditEvent.objects.get(action="notice.email_sent")
    assert event.target_id == str(household["insured"].pk) and member.email not in str(event.detail)
    client.force_login(member)
    assert ["資格情報のお知らせの交付メールの送信", "髙橋　花子", "システム"] in [
        row[1:] for row in _rows(client)
    ]


def test_the_certificate_email_is_recorded_for_the_person_it_is_about(
    client, household, member, mailoutbox
):
    assert notifications.notify_households([household["spouse"].pk]) == 1
    assert mailoutbox[0].to == [member.email]
    client.force_login(member)
    assert ["資格確認書の交付のお知らせメールの送信", "髙橋　一郎", "システム"] in [
        row[1:] for row in _rows(client)
    ]


def test_the_query_count_does_not_grow_with_the_rows(
    client, household, clerk, employer_user, member
):
    ensure_link(employer_user, make_employer("1201"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    client.force_login(member)
    queries()  # the first request of a session may read what later ones keep
    audit.record("member.view", actor=clerk, target=household["spouse"])
    audit.record("employer.person_view", actor=employer_user, target=household["insured"])
    few = queries()
    for index in range(60):
        actor = clerk if index % 2 else employer_user
        audit.record("member.view", actor=actor, target=household["spouse"])
    assert queries() == few
    assert len(_rows(client)) == 50  # a full page, from the same number of queries


def test_the_query_uses_the_target_index(household, member):
    log = AccessLog(household_of(member, timezone.localdate()), member.pk)
    events = log.events()[:50]
    with connection.cursor() as cursor:
        # A tiny test table is cheaper to read whole; with millions of rows the planner picks
        # the index. Forbidding the sequential scan shows that the index can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = events.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "portal_audi_target__6a05ca_idx" in plan, plan


def test_an_unlinked_member_is_pointed_to_linking(client, insurer, member):
    client.force_login(member)
    page = client.get(URL).content.decode()
    assert page.count("<h1") == 1 and reverse("members:link") in page
    assert client.get(reverse("members:access_log_csv"))["Location"] == URL
    assert not AuditEvent.objects.filter(action__startswith="access_log.").exists()


def test_a_bad_page_number_is_a_message(client, household, member):
    client.force_login(member)
    response = client.get(URL, {"page": "abc"})
    assert response.status_code == 200
    assert "ページの指定が正しくない" in response.content.decode()


def test_every_label_is_for_a_registered_action():
    assert set(MEMBER_LABELS) <= set(ACTION_LABELS)


def test_the_pdf_in_vietnamese_prints_its_labels_and_the_japanese_names(
    client, household, supervisor, member
):
    LanguagePreference.objects.create(user=member, language="vi")
    client.force_login(supervisor)
    client.get(reverse("members:staff_member", args=[household["spouse"].pk]))
    client.force_login(member)
    response = client.get(reverse("members:access_log_pdf"))
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Nhật ký truy cập" in text  # Vietnamese diacritics, from DejaVu Sans
    assert "髙橋一郎" in "".join(text.split())  # the names as the roster has them
    _no_full_number(text)
