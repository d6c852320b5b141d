"""The notice of a member aged 70-74 (負担割合, 発効期日, 有効期限), its refusal without a rate,
the no-number request, and the 通知カード hint. PDFs are parsed."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from notices import services
from notices.models import Notice
from tests import elderly_world, notice_world
from tests.factories import make_member
from tests.notice_batch_world import run_all
from tests.notice_world import issue, pdf_text

elderly = elderly_world.elderly
household = notice_world.household


def test_a_70_74_notice_shows_the_rate_its_発効期日_and_有効期限(elderly):
    notice = issue(elderly["insured"])
    terms = {key: notice.snapshot[key] for key in ("copay_rate", "effective_from", "valid_until")}
    assert terms == {
        "copay_rate": "3割",
        "effective_from": "2025-08-01",
        "valid_until": "2026-07-31",
    }
    pages, text = pdf_text(services.pdf_bytes(notice))
    assert pages == 1
    for expected in ["高齢受給者", "負担割合", "3割", "発効期日", "令和7年8月1日", "有効期限"]:
        assert expected in text, expected
    assert "令和8年7月31日" in text  # in the fields and on the card-sized part
    assert text.count("令和8年7月31日") == 2


def test_an_under_70_notice_has_no_rate_and_no_expiry(elderly):
    notice = issue(elderly["spouse"])
    assert notice.snapshot["copay_rate"] == notice.snapshot["valid_until"] == ""
    _, text = pdf_text(services.pdf_bytes(notice))
    assert "負担割合" not in text and "有効期限" not in text and "高齢受給者" not in text


def test_the_last_period_ends_the_day_before_the_75th_birthday(elderly, time_machine):
    time_machine.move_to(elderly_world.at(date(2026, 8, 1)))
    notice = issue(elderly["insured"])
    assert notice.snapshot["valid_until"] == "2027-03-09"
    _, text = pdf_text(services.pdf_bytes(notice))
    assert "令和9年3月9日" in text


def test_no_rate_on_file_no_notice(elderly):
    Member.objects.filter(pk=elderly["insured"].pk).update(copay_rate="")
    elderly["insured"].refresh_from_db()
    with pytest.raises(services.NoCopayRate, match="負担割合が登録されていない"):
        issue(elderly["insured"])
    assert not Notice.objects.filter(member=elderly["insured"]).exists()
    issued = services.issue_notices(
        [elderly["insured"], elderly["spouse"]], Notice.Reason.INITIAL, now=timezone.now()
    )
    assert list(issued.notices) == [elderly["spouse"].pk]
    assert isinstance(issued.failures[elderly["insured"].pk], services.NoCopayRate)


def test_a_batch_records_the_missing_rate_as_the_items_failure(elderly):
    from notices.batches import services as batches

    Member.objects.filter(pk=elderly["insured"].pk).update(copay_rate="")
    batch = batches.start_batch(
        reason=Notice.Reason.INITIAL,
        as_of=date(2025, 9, 1),
        scope="members",
        members=[elderly["insured"], elderly["spouse"]],
    )
    run_all(batch)
    failed = batch.items.get(status="failed")
    assert failed.member_id == elderly["insured"].pk and "負担割合" in failed.error
    assert batch.items.filter(status="done").count() == 1


def test_staff_issuing_by_hand_are_told_the_rate_is_missing(client, elderly, clerk):
    Member.objects.filter(pk=elderly["insured"].pk).update(copay_rate="")
    client.force_login(clerk)
    url = reverse("notices:staff_issue", args=[elderly["insured"].pk])
    response = client.post(url, {"reason": "reissue"}, follow=True)
    assert "負担割合が登録されていない" in response.content.decode()
    assert not Notice.objects.exists()


def test_the_web_page_and_the_e_mail_show_the_terms(
    client, elderly, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = issue(elderly["insured"])
    client.force_login(member)
    page = client.get(reverse("notices:member_notice", args=[notice.pk])).content.decode()
    assert "負担割合" in page and "3割" in page
    assert "令和7年8月1日" in page and "令和8年7月31日" in page
    home = client.get(reverse("members:home")).content.decode()
    assert "有効期限 令和8年7月31日" in home
    # The e-mail says a 70-74 notice is there, never the rate: 3割 tells of an income.
    [message] = mail.outbox
    assert "負担割合・発効期日・有効期限が記載されています" in message.body
    assert "3割" not in message.body and "3割" not in message.alternatives[0][0]


def test_a_member_who_joined_late_without_a_number_is_asked_for_one(household, client, member):
    # The household's child joined in November 2024 and has no number on file.
    notice = issue(household["child"], Notice.Reason.ENROLMENT)
    assert notice.snapshot["digits_reason"] == "submit_number"
    _, text = pdf_text(services.pdf_bytes(notice))
    assert "マイナンバーをご提出ください" in "".join(text.split())  # wherever the line breaks
    client.force_login(member)
    page = client.get(reverse("notices:member_notice", args=[notice.pk])).content.decode()
    assert "マイナンバーをご提出ください" in page


def test_the_pages_where_digits_are_compared_mention_the_通知カード(household, client, member):
    notice = issue(household["insured"])
    client.force_login(member)
    for url in [
        reverse("notices:member_notice", args=[notice.pk]),
        reverse("members:mismatch_report", args=[notice.pk]),
    ]:
        page = client.get(url).content.decode()
        assert "マイナンバーカードをお持ちでない方は、通知カード" in page, url


def test_a_dependent_over_70_is_refused_too(elderly):
    old = make_member(
        insured=elderly["spouse"].insured,
        edaban="02",
        relation="父",
        name="高橋　三郎",
        name_kana="タカハシ　サブロウ",
        birth_date=date(1953, 1, 5),
    )
    with pytest.raises(services.NoCopayRate):
        issue(old)
