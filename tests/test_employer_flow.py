"""The issue's "Done when": the demo employer applies for a new hire and a newly added
dependent, the demo clerk approves one and returns the other, the employer downloads the
certificate PDF (its text parsed here), and the e-mails go out. Also what the member sees."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from eligibility.certificates import batches
from eligibility.models import CertificateApplication, EligibilityCertificate
from members.models import Employer
from portal.dev import demo
from portal.models import AuditEvent
from portal.roles import Role
from tests.employer_world import TODAY, pdf_text
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(insurer):
    """The demo seed (accounts, roster, facts, the employer link), plus a new hire and a new
    dependent at 日本部品工業 (1201)."""
    demo.seed()
    demo.load_demo_roster()
    demo.seed_demo_eligibility()
    demo.link_demo_employer()
    employer = Employer.objects.get(kigo="1201")
    hire = make_member(
        employer,
        bango="5",
        name="新井　翔",
        name_kana="アライ　ショウ",
        birth_date=date(2003, 4, 2),
        acquired_on=date(2026, 10, 1),
    )
    takahashi = employer.members.get(bango="4", edaban="00")
    child = make_member(
        insured=takahashi,
        edaban="01",
        relation="子",
        name="高橋　陽菜",
        name_kana="タカハシ　ヒナ",
        birth_date=date(2026, 9, 15),
        acquired_on=date(2026, 10, 20),
    )
    users = get_user_model().objects
    return {
        "employer_user": users.get(email=demo.DEMO_ACCOUNTS[Role.EMPLOYER]),
        "clerk": users.get(email=demo.DEMO_ACCOUNTS[Role.CLERK]),
        "hire": hire,
        "child": child,
    }


def _apply(client, person, reason: str, detail: str = "") -> CertificateApplication:
    response = client.post(
        reverse("eligibility:employer_apply", args=[person.pk]),
        {"people": [person.pk], "reason": reason, "reason_detail": detail},
    )
    assert response.status_code == 302, response.content.decode()
    return CertificateApplication.objects.get(persons__member=person)


def test_done_when(client, demo_world, mailoutbox, django_capture_on_commit_callbacks):
    hire, child = demo_world["hire"], demo_world["child"]

    # The employer sees both as typical cases on its menu, and applies for each.
    client.force_login(demo_world["employer_user"])
    home = client.get(reverse("members:employer_home")).content.decode()
    assert "新井　翔" in home and "新規入社" in home
    assert "高橋　陽菜" in home and "扶養追加" in home
    first = _apply(client, hire, "no_card")
    second = _apply(client, child, "other", "出生直後でカードを申請中のため")
    assert first.status == second.status == CertificateApplication.Status.SUBMITTED
    assert first.insured == hire and second.insured == child.insured
    assert [p.name for p in second.persons.all()] == ["高橋　陽菜"]

    # The clerk's queue shows both, oldest first; approve one, return the other.
    client.force_login(demo_world["clerk"])
    queue = client.get(reverse("eligibility:staff_queue")).content.decode()
    assert queue.index(first.number) < queue.index(second.number)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("eligibility:staff_approve", args=[first.pk]))
        client.post(
            reverse("eligibility:staff_return", args=[second.pk]),
            {"return_reason": "続柄の確認のため、扶養の届出と合わせて提出してください。"},
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == CertificateApplication.Status.ISSUED
    assert second.status == CertificateApplication.Status.RETURNED

    # The certificate: valid from the approval date for the default 5 years.
    certificate = EligibilityCertificate.objects.get(member=hire)
    assert (certificate.valid_from, certificate.valid_to) == (TODAY, date(2031, 11, 25))
    assert certificate.issued_on == TODAY
    assert certificate.source == EligibilityCertificate.Source.APPLICATION

    # The employer follows both and downloads the PDF.
    client.force_login(demo_world["employer_user"])
    page = client.get(reverse("eligibility:employer_application", args=[first.pk])).content
    assert "交付済" in page.decode()
    returned = client.get(reverse("eligibility:employer_application", args=[second.pk]))
    assert "差戻し" in returned.content.decode()
    assert "扶養の届出と合わせて" in returned.content.decode()
    response = client.get(reverse("eligibility:employer_certificate_pdf", args=[certificate.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(response.streaming_content))
    for expected in [
        "資格確認書",
        "記号 1201 番号 5(枝番 00)",
        "新井　翔",
        "性別 女",
        "生年月日 平成15年4月2日",
        "資格取得年月日 令和8年10月1日",
        "有効期限 令和13年11月25日",
        "交付年月日 令和8年11月26日",
        "保険者番号 06139992",
        "日本自動車部品工業健康保険組合",
        "〒108-0074 東京都港区高輪一丁目1番1号",
    ]:
        assert expected in text, expected
    assert "負担" not in text  # aged 23: no 負担割合
    assert AuditEvent.objects.filter(
        action="certificate.download", actor=demo_world["employer_user"]
    ).exists()

    # E-mails: the return and the issue, to the employer's login (the hire has no login).
    subjects = {message.subject: message for message in mailoutbox}
    returned_mail = next(m for s, m in subjects.items() if "差し戻しました" in s)
    issued_mail = next(m for s, m in subjects.items() if "交付しました" in s)
    assert returned_mail.to == issued_mail.to == [demo.DEMO_ACCOUNTS[Role.EMPLOYER]]
    assert second.number in returned_mail.subject and first.number in issued_mail.subject
    assert "扶養の届出" not in returned_mail.body  # the reason stays in the portal
    assert reverse("eligibility:employer_application", args=[first.pk]) in issued_mail.body
    assert issued_mail.alternatives[0].mimetype == "text/html"
    assert len(mailoutbox) == 2


def test_the_member_sees_and_downloads_the_certificate(
    client, demo_world, member, mailoutbox, django_capture_on_commit_callbacks
):
    hire = demo_world["hire"]
    hire.account = member
    hire.save()
    client.force_login(demo_world["employer_user"])
    application = _apply(client, hire, "needs_assistance")
    client.force_login(demo_world["clerk"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("eligibility:staff_approve", args=[application.pk]))
    # One e-mail to the employer, one to the member.
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [demo.DEMO_ACCOUNTS[Role.EMPLOYER], member.email]
    )
    member_mail = next(m for m in mailoutbox if m.to == [member.email])
    assert "新井　翔 様" in member_mail.body

    client.force_login(member)
    home = client.get(reverse("members:home")).content.decode()
    certificate = EligibilityCertificate.objects.get(member=hire)
    url = reverse("eligibility:member_certificate_pdf", args=[certificate.pk])
    assert "資格確認書" in home and url in home
    response = client.get(url)
    assert "新井　翔" in pdf_text(b"".join(response.streaming_content))
    assert AuditEvent.objects.filter(action="certificate.download", actor=member).exists()


def test_a_certificate_for_someone_aged_70_to_74_shows_the_copay_on_file_and_its_start(
    client, demo_world, django_capture_on_commit_callbacks
):
    hire = demo_world["hire"]
    # Turned 70 on 2026-11-20 (legally on the 19th): the rate applies from 2026-12-01, so
    # today's certificate ends the day before and the next one carries the rate on file.
    parent = make_member(
        insured=hire,
        edaban="01",
        relation="母",
        name="新井　節子",
        name_kana="アライ　セツコ",
        birth_date=date(1956, 11, 20),
        acquired_on=date(2026, 10, 1),
    )
    client.force_login(demo_world["employer_user"])
    application = _apply(client, parent, "no_card")
    client.force_login(demo_world["clerk"])
    client.post(reverse("eligibility:staff_approve", args=[application.pk]))
    certificate = EligibilityCertificate.objects.get(member=parent)
    assert certificate.valid_to == date(2026, 11, 30)
    parent.copay_rate = "2割"
    parent.save(update_fields=["copay_rate"])
    batch = batches.start_renewal([certificate], today=TODAY, actor=None, enqueue=False)
    for chunk in batches.pending_chunks(batch.pk):
        batches.run_chunk(batch.pk, chunk, today=TODAY)
    renewal = EligibilityCertificate.objects.get(renews=certificate)
    client.force_login(demo_world["employer_user"])
    response = client.get(reverse("eligibility:employer_certificate_pdf", args=[renewal.pk]))
    text = pdf_text(b"".join(response.streaming_content))
    assert "一部負担金の割合 2割" in text and "発効期日 令和8年12月1日" in text
    assert "有効期限 令和9年7月31日" in text


def test_the_demo_seed_links_the_employer_account_once(insurer):
    demo.seed()
    demo.load_demo_roster()
    first = demo.link_demo_employer()
    again = demo.link_demo_employer()
    assert first.kigo == again.kigo == "1201"
    user = get_user_model().objects.get(email=demo.DEMO_ACCOUNTS[Role.EMPLOYER])
    assert user.employer_link.employer.kigo == "1201"


def test_an_employer_page_shows_no_my_number_status_or_digits(client, demo_world):
    client.force_login(demo_world["employer_user"])
    yamada = Employer.objects.get(kigo="1201").members.get(bango="1", edaban="00")
    assert yamada.mynumber_last4
    pages = [
        client.get(reverse("eligibility:employer_people")).content.decode(),
        client.get(reverse("eligibility:employer_person", args=[yamada.pk])).content.decode(),
    ]
    for page in pages:
        assert "山田　花子" in page
        assert yamada.mynumber_last4 not in page
        assert "下4桁" not in page and "マイナンバー登録" not in page
