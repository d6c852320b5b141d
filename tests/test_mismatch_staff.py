"""The 業務課's side: queue, five-item check, closing, proposing, approval with step-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members import vault
from members.models import Member, MyNumberConflict
from members.services import register_my_number
from notices.models import MismatchCase, MismatchEvent
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import make_employer, make_member
from tests.mismatch_world import (
    ALL_MATCHED,
    NUMBERS,
    RIGHT_NUMBER,
    assert_no_full_number,
    check_all_matched,
    make_household,
    post,
    propose,
    report,
    second_supervisor,
    step_up,
)
from tests.personas import current_totp

S = MismatchCase.Status


@pytest.fixture
def household(db, insurer, member):
    return make_household(member)


@pytest.fixture
def case(client, household, member):
    client.force_login(member)
    made = report(client, household.spouse_notice, "4321")
    client.logout()
    return made


def _case_url(case):
    return reverse("members:mismatch_case", args=[case.pk])


def test_the_queue_lists_open_cases_oldest_first_with_filters(client, household, member, clerk):
    client.force_login(member)
    first = report(client, household.spouse_notice)
    second = report(client, household.insured_notice)
    MismatchCase.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=9))
    other_employer = make_employer("1305", "関東電装株式会社")
    stranger = make_member(other_employer, bango="77", name="伊藤　三郎")
    MismatchCase.objects.create(
        member=stranger,
        notice=household.spouse_notice,
        registered_last4="0000",
        reported_last4="1111",
        contact="03-1234-5678",
        status=S.NO_ERROR,
        closed_at=timezone.now(),
    )
    client.force_login(clerk)
    page = client.get(reverse("members:mismatch_queue")).content.decode()
    assert page.index(f"No.{first.pk}<") < page.index(f"No.{second.pk}<")
    assert "9日" in page and "伊藤" not in page
    closed = client.get(reverse("members:mismatch_queue"), {"status": "closed"}).content.decode()
    assert "伊藤　三郎" in closed and "髙橋" not in closed
    by_employer = client.get(
        reverse("members:mismatch_queue"), {"employer": other_employer.pk}
    ).content.decode()
    assert "該当する申出はありません" in by_employer
    assert AuditEvent.objects.filter(action="mismatch.queue", actor=clerk).count() == 3


def test_the_case_page_compares_digits_and_shows_the_record(client, case, clerk):
    client.force_login(clerk)
    page = client.get(_case_url(case)).content.decode()
    for expected in [
        "2840",
        "4321",
        "髙橋　𠮷男",
        "タカハシ　ヨシオ",
        "昭和58年7月20日",
        "申出を受付",
    ]:
        assert expected in page, expected
    assert AuditEvent.objects.filter(action="mismatch.view", actor=clerk).count() == 1


def test_closing_without_the_check_is_refused_then_allowed_with_a_reason(
    client, case, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    refused = post(client, "mismatch_close", case, {"reason": "番号は正しい"})
    assert "先に5項目" in refused.content.decode()
    checks = {**ALL_MATCHED, "check_address": "0"}
    assert post(client, "mismatch_check", case, checks).status_code == 302
    case.refresh_from_db()
    assert case.status == S.INVESTIGATING and case.check_address is False and case.check_name
    empty = post(client, "mismatch_close", case, {"reason": ""})
    assert "理由を入力してください" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = post(
            client, "mismatch_close", case, {"reason": "住基と照合し番号は正しいことを確認"}
        )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == S.NO_ERROR and case.closed_by == clerk and case.closed_at
    assert [e.kind for e in case.events.all()] == ["reported", "checked", "closed_no_error"]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["hanako@example.jp"]
    body = mailoutbox[0].subject + mailoutbox[0].body
    assert "髙橋　花子" in body
    for private in ["𠮷男", "2840", "4321", "1201"]:
        assert private not in body


def test_a_correction_needs_all_five_items_matched(client, case, clerk):
    client.force_login(clerk)
    post(client, "mismatch_check", case, {**ALL_MATCHED, "check_sex": "0"})
    response = propose(client, case)
    assert "5項目がすべて一致していない" in response.content.decode()
    case.refresh_from_db()
    assert case.status == S.INVESTIGATING and not case.proposed_token


@pytest.mark.parametrize(
    ("number", "confirm", "message"),
    [
        (RIGHT_NUMBER, NUMBERS["other"], "2回入力した個人番号が一致しません"),
        (RIGHT_NUMBER[:-1] + str((int(RIGHT_NUMBER[-1]) + 1) % 10), None, "検査用数字"),
        ("1234", None, "12桁の数字"),
        (NUMBERS["spouse"], None, "現在登録されている番号と同じ"),
    ],
    ids=["differ", "check-digit", "short", "same"],
)
def test_bad_proposals_are_explained_and_never_echoed(
    client, case, clerk, number, confirm, message
):
    client.force_login(clerk)
    check_all_matched(client, case)
    response = propose(client, case, number, confirm)
    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_no_full_number([("page", text)], [RIGHT_NUMBER, NUMBERS["other"], NUMBERS["spouse"]])
    assert 'type="password"' in text and 'autocomplete="off"' in text
    case.refresh_from_db()
    assert case.status == S.INVESTIGATING and case.proposed_token == ""


def test_a_proposal_is_sealed_in_the_vault_until_approval(client, case, clerk):
    client.force_login(clerk)
    check_all_matched(client, case)
    assert propose(client, case).status_code == 302
    case.refresh_from_db()
    assert case.status == S.PENDING_APPROVAL and case.proposed_last4 == RIGHT_NUMBER[-4:]
    assert RIGHT_NUMBER not in case.proposed_token and case.proposed_token.startswith("v1:")
    assert vault.decrypt_number(case.proposed_token, member_id=case.member_id) == RIGHT_NUMBER
    spouse = Member.objects.get(pk=case.member_id)
    assert spouse.mynumber_last4 == NUMBERS["spouse"][-4:]  # nothing changes before approval
    page = client.get(_case_url(case)).content.decode()
    assert "ご自身が提案した訂正は承認できません" in page


def test_a_number_held_by_another_member_is_refused_and_flagged_on_both(
    client, case, clerk, supervisor
):
    holder = make_member(make_employer("1305"), bango="8", name="佐藤　健一")
    register_my_number(holder, NUMBERS["other"], source="test")
    client.force_login(clerk)
    check_all_matched(client, case)
    response = propose(client, case, NUMBERS["other"])
    text = response.content.decode()
    assert "別の加入者に登録されています" in text
    assert_no_full_number([("page", text)], [NUMBERS["other"]])
    conflict = MyNumberConflict.objects.get()
    assert (conflict.member_id, conflict.holder_id) == (case.member_id, holder.pk)
    case.refresh_from_db()
    assert case.status == S.INVESTIGATING and case.proposed_token == ""
    assert case.events.last().kind == "proposal_refused"
    client.force_login(supervisor)
    for person in (case.member_id, holder.pk):
        page = client.get(reverse("members:staff_member", args=[person])).content.decode()
        assert "佐藤　健一" in page and NUMBERS["other"][-4:] in page
    assert "佐藤　健一" in client.get(reverse("members:mismatch_queue")).content.decode()


def _pending(client, case, proposer):
    client.force_login(proposer)
    check_all_matched(client, case)
    assert propose(client, case).status_code == 302
    case.refresh_from_db()
    return case


def test_the_proposer_cannot_approve_even_after_stepping_up(client, case, supervisor):
    _pending(client, case, supervisor)
    step_up(client, case)
    page = client.get(_case_url(case)).content.decode()
    assert "ご自身が提案した訂正は承認できません" in page
    response = post(client, "mismatch_approve", case)
    assert "ご自身が提案した訂正は承認・差し戻しできません" in response.content.decode()
    assert post(client, "mismatch_reject", case, {"reason": "自分で取消"}).status_code == 200
    case.refresh_from_db()
    assert case.status == S.PENDING_APPROVAL
    assert Member.objects.get(pk=case.member_id).mynumber_last4 == NUMBERS["spouse"][-4:]
    denied = AuditEvent.objects.get(action="mismatch.approve")
    assert denied.outcome == "denied" and denied.detail["refused"] == "SelfApproval"


def test_a_clerk_cannot_approve(client, case, clerk):
    _pending(client, case, clerk)
    assert post(client, "mismatch_approve", case).status_code == 403


def test_approval_without_re_entering_the_password_is_refused(
    client, case, clerk, supervisor, time_machine
):
    _pending(client, case, clerk)
    client.force_login(supervisor)
    page = client.get(_case_url(case)).content.decode()
    assert "パスワードを再入力して承認へ進む" in page and "承認して登録を更新" not in page
    response = post(client, "mismatch_approve", case)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    # A TOTP code is a second factor, not the password: it does not count.
    client.post(reverse("mfa_reauthenticate"), {"code": current_totp(supervisor)})
    assert post(client, "mismatch_approve", case)["Location"].startswith(
        reverse("account_reauthenticate")
    )
    # Nor does a password entered too long ago.
    step_up(client, case)
    time_machine.move_to(timezone.now() + timedelta(minutes=6))
    assert post(client, "mismatch_approve", case)["Location"].startswith(
        reverse("account_reauthenticate")
    )
    case.refresh_from_db()
    assert case.status == S.PENDING_APPROVAL
    assert Member.objects.get(pk=case.member_id).mynumber_last4 == NUMBERS["spouse"][-4:]
    denied = AuditEvent.objects.filter(action="mismatch.approve", outcome="denied")
    assert denied.count() == 3 and {e.detail["refused"] for e in denied} == {"StepUpRequired"}


def test_approval_after_step_up_corrects_and_each_password_entry_counts_once(
    client, household, member, clerk, supervisor, django_capture_on_commit_callbacks
):
    client.force_login(member)
    first = report(client, household.spouse_notice)
    second = report(client, household.insured_notice)
    _pending(client, first, clerk)
    check_all_matched(client, second)
    propose(client, second, NUMBERS["other"])
    client.force_login(supervisor)
    step_up(client, first)
    assert "承認して登録を更新" in client.get(_case_url(first)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "mismatch_approve", first).status_code == 302
    first.refresh_from_db()
    assert first.status == S.CORRECTED and first.proposed_token == ""
    spouse = Member.objects.get(pk=first.member_id)
    assert spouse.mynumber_last4 == RIGHT_NUMBER[-4:] and spouse.mynumber_status == "on_file"
    assert vault.decrypt_number(spouse.mynumber_token, member_id=spouse.pk) == RIGHT_NUMBER
    # The next approval asks for the password again.
    response = post(client, "mismatch_approve", second)
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_rejection_returns_the_case_to_the_clerk_with_the_reason(client, case, clerk, supervisor):
    _pending(client, case, clerk)
    client.force_login(supervisor)
    empty = post(client, "mismatch_reject", case, {"reason": ""})
    assert "理由を入力してください" in empty.content.decode()
    assert (
        post(client, "mismatch_reject", case, {"reason": "住所の照合記録が不十分"}).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == S.INVESTIGATING and case.proposed_token == "" and not case.proposed_last4
    client.force_login(clerk)
    page = client.get(_case_url(case)).content.decode()
    assert "住所の照合記録が不十分" in page and "番号の訂正を提案" in page
    assert AuditEvent.objects.get(action="mismatch.reject").actor == supervisor


def test_a_number_taken_between_proposal_and_approval_is_refused_at_approval(
    client, case, clerk, supervisor
):
    _pending(client, case, clerk)
    register_my_number(make_member(bango="99"), RIGHT_NUMBER, source="test")
    client.force_login(supervisor)
    step_up(client, case)
    response = post(client, "mismatch_approve", case)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.INVESTIGATING and case.proposed_token == ""
    assert MyNumberConflict.objects.filter(member_id=case.member_id).exists()
    assert Member.objects.get(pk=case.member_id).mynumber_last4 == NUMBERS["spouse"][-4:]
    assert case.events.last().kind == MismatchEvent.Kind.APPROVAL_REFUSED


def test_free_text_with_twelve_digits_is_refused_for_staff_too(client, case, clerk):
    client.force_login(clerk)
    check_all_matched(client, case)
    response = post(client, "mismatch_close", case, {"reason": f"番号 {RIGHT_NUMBER} を確認"})
    assert "マイナンバー(12桁)" in response.content.decode()
    assert_no_full_number([("page", response.content.decode())], [RIGHT_NUMBER])
    case.refresh_from_db()
    assert case.is_open


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EMPLOYER, Role.AUDITOR, None])
def test_outsiders_get_the_wrong_account_page_on_every_staff_page(client, case, everyone, role):
    urls = [reverse("members:mismatch_queue"), reverse("members:mismatch_stats"), _case_url(case)]
    if role is None:
        for url in urls:
            assert client.get(url)["Location"].startswith("/accounts/login/")
        return
    client.force_login(everyone[role])
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_the_report_is_for_supervisors(client, household, member, clerk, supervisor):
    client.force_login(member)
    case = report(client, household.spouse_notice)
    MismatchCase.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=20))
    closed = report(client, household.insured_notice)
    MismatchCase.objects.filter(pk=closed.pk).update(
        status=S.CORRECTED, closed_at=closed.created_at + timedelta(days=3, hours=2)
    )
    client.force_login(clerk)
    assert client.get(reverse("members:mismatch_stats")).status_code == 403
    client.force_login(supervisor)
    page = client.get(reverse("members:mismatch_stats")).content.decode()
    assert "<td>14〜29日</td><td>1</td>" in page
    assert "3日2時間" in page
    month = timezone.localtime(closed.created_at)
    reiwa = month.year - 2018  # one date style: 令和N年M月 (YYYY年)
    shown = f"令和{reiwa}年{month.month}月 ({month.year}年)"
    assert f'<td class="cell-date">{shown}</td><td>1</td>' in page


def test_a_second_supervisor_can_approve_what_a_supervisor_proposed(client, case, supervisor):
    _pending(client, case, supervisor)
    other = second_supervisor()
    client.force_login(other)
    step_up(client, case)
    assert post(client, "mismatch_approve", case).status_code == 302
    case.refresh_from_db()
    assert case.status == S.CORRECTED


def test_a_sealed_number_that_will_not_open_is_refused_and_returned(
    client, case, household, clerk, supervisor
):
    _pending(client, case, clerk)
    # Ciphertext bound to another member's row: the vault refuses to open it here.
    foreign = vault.encrypt_number(RIGHT_NUMBER, member_id=household.insured.pk)
    MismatchCase.objects.filter(pk=case.pk).update(proposed_token=foreign)
    client.force_login(supervisor)
    step_up(client, case)
    response = post(client, "mismatch_approve", case, {})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.INVESTIGATING and case.proposed_token == ""
    assert Member.objects.get(pk=case.member_id).mynumber_last4 == NUMBERS["spouse"][-4:]
    assert AuditEvent.objects.get(action="mismatch.approve").detail["refused"] == "Unreadable"
