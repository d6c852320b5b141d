"""The whole path on the demo household, as people click through it: a member's report, the
check, a correction typed twice, a second person's approval after re-entering the password,
and the corrected notice the member downloads. The full number appears nowhere on the way."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from notices.models import MismatchCase, MismatchEvent, Notice
from notices.services import issue_notice
from portal.dev.demo import DEMO_ACCOUNTS, link_demo_member, load_demo_roster
from portal.models import AuditEvent
from portal.roles import Role
from tests.mismatch_world import ALL_MATCHED, RIGHT_NUMBER, assert_no_full_number, pdf_text
from tests.personas import PASSWORD, make_user

DEMO_SPOUSE_NUMBER = "271828182840"  # 山田 太郎 (1201-1-01) in tests/data/members.csv


@pytest.fixture
def demo(db, insurer):
    load_demo_roster()
    make_user(DEMO_ACCOUNTS[Role.MEMBER], Role.MEMBER)
    insured = link_demo_member()
    spouse = Member.objects.get(kigo="1201", bango="1", edaban="01")
    for person in (insured, spouse):
        issue_notice(person, Notice.Reason.INITIAL, now=timezone.now(), notify=False)
    return spouse


def _html(response) -> str:
    assert response.status_code in {200, 302, 409}, response.status_code
    return response.content.decode()


def test_from_a_members_report_to_the_corrected_notice(
    client, demo, clerk, supervisor, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    pages: list[tuple[str, str]] = []
    spouse = demo
    old_notice = Notice.objects.get(member=spouse)
    member = get_user_model().objects.get(email=DEMO_ACCOUNTS[Role.MEMBER])

    # The member compares the notice with the card and reports.
    client.force_login(member)
    home = _html(client.get(reverse("members:home")))
    report_url = reverse("members:mismatch_report", args=[old_notice.pk])
    assert report_url in home
    pages += [
        ("home", home),
        (
            "notice",
            _html(
                client.get(old_notice_url := reverse("notices:member_notice", args=[old_notice.pk]))
            ),
        ),
    ]
    assert "2840" in pages[-1][1]
    pages.append(("form", _html(client.get(report_url))))
    refused = client.post(report_url, {"card_last4": RIGHT_NUMBER, "contact": "03-1111-2222"})
    pages.append(("refused", _html(refused)))
    response = client.post(
        report_url,
        {"card_last4": RIGHT_NUMBER[-4:], "contact": "03-1111-2222", "comment": "カードと違う"},
        follow=True,
    )
    pages.append(("reported", _html(response)))
    case = MismatchCase.objects.get(member=spouse)
    assert "受付済み" in pages[-1][1]

    # The clerk checks five items and proposes the number collected by phone, typed twice.
    client.force_login(clerk)
    pages.append(("staff home", _html(client.get(reverse("staff_home")))))
    queue = _html(client.get(reverse("members:mismatch_queue")))
    assert reverse("members:mismatch_case", args=[case.pk]) in queue
    pages.append(("queue", queue))
    case_url = reverse("members:mismatch_case", args=[case.pk])
    pages.append(("case", _html(client.get(case_url))))
    version = case.version
    response = client.post(
        reverse("members:mismatch_check", args=[case.pk]), {"version": version, **ALL_MATCHED}
    )
    assert response.status_code == 302
    version += 1
    propose_url = reverse("members:mismatch_propose", args=[case.pk])
    typo = RIGHT_NUMBER[:5] + RIGHT_NUMBER[6] + RIGHT_NUMBER[5] + RIGHT_NUMBER[7:]
    mistyped = client.post(
        propose_url, {"version": version, "number": RIGHT_NUMBER, "number_confirm": typo}
    )
    pages.append(("mistyped", _html(mistyped)))
    assert "一致しません" in pages[-1][1] or "検査用数字" in pages[-1][1]
    response = client.post(
        propose_url,
        {"version": version, "number": RIGHT_NUMBER, "number_confirm": RIGHT_NUMBER},
        follow=True,
    )
    pages.append(("proposed", _html(response)))
    case.refresh_from_db()
    assert case.status == MismatchCase.Status.PENDING_APPROVAL

    # A supervisor (not the proposer) re-enters the password and approves.
    client.force_login(supervisor)
    pages.append(("supervisor home", _html(client.get(reverse("supervisor_home")))))
    pages.append(("case", _html(client.get(case_url))))
    approve_url = reverse("members:mismatch_approve", args=[case.pk])
    bounced = client.post(approve_url, {"version": case.version})
    assert bounced["Location"].startswith(reverse("account_reauthenticate"))
    pages.append(("reauth", _html(client.get(bounced["Location"]))))
    response = client.post(bounced["Location"], {"password": PASSWORD}, follow=True)
    pages.append(("after reauth", _html(response)))
    assert "承認して登録を更新" in pages[-1][1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url, {"version": case.version}, follow=True)
    pages.append(("approved", _html(response)))
    case.refresh_from_db()
    assert case.status == MismatchCase.Status.CORRECTED
    pages.append(("stats", _html(client.get(reverse("members:mismatch_stats")))))
    pages.append(
        ("member page", _html(client.get(reverse("members:staff_member", args=[spouse.pk]))))
    )

    # The member sees the outcome and downloads the corrected notice.
    client.force_login(member)
    home = _html(client.get(reverse("members:home")))
    pages.append(("home after", home))
    new_notice = Notice.objects.get(member=spouse, superseded_by__isnull=True)
    assert new_notice.version == 2 and new_notice.reason == Notice.Reason.MYNUMBER_CORRECTION
    assert reverse("notices:member_notice_pdf", args=[new_notice.pk]) in home
    pages.append(
        ("case after", _html(client.get(reverse("members:mismatch_member_case", args=[case.pk]))))
    )
    assert "訂正済み" in pages[-1][1]
    assert client.get(old_notice_url).status_code == 404  # superseded
    download = client.get(reverse("notices:member_notice_pdf", args=[new_notice.pk]))
    text = pdf_text(b"".join(download.streaming_content))
    assert RIGHT_NUMBER[-4:] in text and "2840" not in text and "山田　太郎" in text
    pages.append(("pdf", text))

    # One e-mail for the new notice, one for the closed case: the insured person's name only.
    assert {mail.to[0] for mail in mailoutbox} == {member.email}
    closed = [mail for mail in mailoutbox if "確認が完了" in mail.subject]
    assert len(closed) == 1 and "山田　花子" in closed[0].body
    mails = [
        (
            f"mail {mail.subject}",
            mail.subject
            + mail.body
            + "".join(str(part[0]) for part in getattr(mail, "alternatives", [])),
        )
        for mail in mailoutbox
    ]
    for _, body in mails:
        assert "山田　太郎" not in body and RIGHT_NUMBER[-4:] not in body

    records = [
        (f"audit {event.action}", json.dumps(event.detail, ensure_ascii=False) + event.target_label)
        for event in AuditEvent.objects.all()
    ]
    assert {
        "mismatch.report",
        "mismatch.check",
        "mismatch.propose",
        "mismatch.approve",
        "mynumber.register",
        "notice.issue",
    } <= {label[6:] for label, _ in records}
    timeline = [(f"event {e.kind}", e.note) for e in MismatchEvent.objects.all()]
    assert [label for label, _ in timeline] == [
        "event reported",
        "event checked",
        "event proposed",
        "event approved",
    ]
    row = MismatchCase.objects.filter(pk=case.pk).values().get()
    assert row["proposed_token"] == ""
    assert_no_full_number(
        [*pages, *mails, *records, *timeline, ("case row", str(row)), ("logs", caplog.text)],
        [RIGHT_NUMBER, DEMO_SPOUSE_NUMBER],
    )
    # The check is not vacuous: the pages did carry the last four digits.
    assert any(re.search(RIGHT_NUMBER[-4:], text) for label, text in pages if label == "approved")
