"""Finding 4: a clerk who proposes a number someone else holds learns only that someone does.

Who holds it (name, 記号・番号, a link to their record) is for the supervisors, on the refusal,
the case, the queue and the member pages alike; the refusal is audited (the holder in the audit
detail only); and proposals per account are rate-limited, refused ones included.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import Member, MyNumberConflict
from members.services import register_my_number
from notices.mismatch.errors import ProposalLimit
from notices.models import MismatchCase, MismatchEvent
from portal.models import AuditEvent
from tests.factories import make_employer, make_member
from tests.mismatch_world import (
    NUMBERS,
    RIGHT_NUMBER,
    assert_no_full_number,
    check_all_matched,
    make_household,
    propose,
    report,
)

S = MismatchCase.Status
HOLDER_NAME = "佐藤　健一"
REFUSAL = "この番号は別の加入者に登録されています。"


@pytest.fixture
def household(db, insurer, member):
    return make_household(member)


@pytest.fixture
def case(client, household, member):
    client.force_login(member)
    made = report(client, household.spouse_notice, "4321")
    client.logout()
    return made


@pytest.fixture
def holder(db):
    person = make_member(make_employer("1305"), bango="8", name=HOLDER_NAME)
    register_my_number(person, NUMBERS["other"], source="test")
    return person


def _staff_url(person) -> str:
    return reverse("members:staff_member", args=[person.pk])


def _case_url(case) -> str:
    return reverse("members:mismatch_case", args=[case.pk])


def _assert_no_holder(text: str, holder: Member) -> None:
    for fragment in (HOLDER_NAME, str(holder), "1305・8・00", "1305-8-00", _staff_url(holder)):
        assert fragment not in text


def test_a_clerk_learns_only_that_someone_else_holds_the_number(client, case, clerk, holder):
    client.force_login(clerk)
    check_all_matched(client, case)
    response = propose(client, case, NUMBERS["other"])
    text = response.content.decode()
    assert response.status_code == 200 and REFUSAL in text and "承認者に確認を依頼しました" in text
    _assert_no_holder(text, holder)
    assert_no_full_number([("refusal", text)], [NUMBERS["other"]])
    spouse = Member.objects.get(pk=case.member_id)
    for url in (_case_url(case), reverse("members:mismatch_queue"), _staff_url(spouse)):
        page = client.get(url)
        body = page.content.decode()
        assert page.status_code == 200 and "別の加入者(承認者が確認します)" in body, url
        _assert_no_holder(body, holder)
        assert_no_full_number([(url, body)], [NUMBERS["other"]])
    # On the holder's own page the clerk finds no trace of the conflict either.
    page = client.get(_staff_url(holder))
    assert page.context["conflicts"] == []
    assert str(spouse) not in page.content.decode()
    assert client.get(reverse("supervisor_home")).status_code == 403


def test_the_refusal_changes_no_record_and_is_audited_with_the_holder_for_auditors(
    client, case, clerk, holder
):
    client.force_login(clerk)
    check_all_matched(client, case)
    case.refresh_from_db()
    seen = case.version
    propose(client, case, NUMBERS["other"])
    case.refresh_from_db()
    assert (case.status, case.version, case.proposed_token, case.proposed_last4) == (
        S.INVESTIGATING,
        seen,
        "",
        "",
    )
    assert Member.objects.get(pk=case.member_id).mynumber_last4 == NUMBERS["spouse"][-4:]
    assert Member.objects.get(pk=holder.pk).mynumber_last4 == NUMBERS["other"][-4:]
    conflict = MyNumberConflict.objects.get()
    assert (conflict.member_id, conflict.holder_id) == (case.member_id, holder.pk)
    flagged = AuditEvent.objects.get(action="mynumber.conflict")
    assert flagged.outcome == "denied" and flagged.actor == clerk
    assert flagged.detail["holder_id"] == holder.pk
    denied = AuditEvent.objects.get(action="mismatch.propose")
    assert denied.outcome == "denied" and denied.detail["refused"] == "HeldByAnother"
    assert "holder_id" not in denied.detail
    # The case's timeline (the clerk reads it) says no more than the refusal did.
    note = case.events.get(kind=MismatchEvent.Kind.PROPOSAL_REFUSED).note
    assert note == f"提案された下4桁 {NUMBERS['other'][-4:]}"


def test_a_supervisor_sees_both_records_and_resolves_the_conflict(
    client, case, clerk, supervisor, holder
):
    client.force_login(clerk)
    check_all_matched(client, case)
    propose(client, case, NUMBERS["other"])
    conflict = MyNumberConflict.objects.get()
    resolve = reverse("members:mismatch_conflict_resolve", args=[conflict.pk])
    assert client.post(resolve).status_code == 403  # clerks cannot close what they cannot see
    client.force_login(supervisor)
    assert "未解決のマイナンバー重複" in client.get(reverse("supervisor_home")).content.decode()
    spouse = Member.objects.get(pk=case.member_id)
    urls = [_case_url(case), reverse("members:mismatch_queue")]
    for url in [*urls, _staff_url(spouse), _staff_url(holder)]:
        body = client.get(url).content.decode()
        assert HOLDER_NAME in body and f'href="{_staff_url(holder)}"' in body, url
        assert f'href="{_staff_url(spouse)}"' in body and resolve in body, url
    response = client.post(resolve)
    assert response.status_code == 302 and response["Location"].endswith("#conflicts-title")
    conflict.refresh_from_db()
    assert conflict.resolved_at is not None
    event = AuditEvent.objects.get(action="mismatch.conflict_resolve")
    assert event.actor == supervisor and event.detail["holder_id"] == holder.pk
    assert HOLDER_NAME not in client.get(reverse("members:mismatch_queue")).content.decode()
    client.post(resolve)  # twice: told, nothing more written
    assert AuditEvent.objects.filter(action="mismatch.conflict_resolve").count() == 1
    assert client.post(reverse("members:mismatch_conflict_resolve", args=[999999])).status_code == (
        404
    )


def test_proposals_are_limited_per_account_refused_ones_included(
    client, case, clerk, holder, settings
):
    settings.MISMATCH_PROPOSALS_PER_ACCOUNT = 3
    client.force_login(clerk)
    check_all_matched(client, case)
    for _ in range(2):  # two refusals count
        assert REFUSAL in propose(client, case, NUMBERS["other"]).content.decode()
    case.refresh_from_db()
    seen = case.version
    # The third (the limit) still goes: a proposal that succeeds counts too.
    assert propose(client, case, RIGHT_NUMBER).status_code == 302
    case.refresh_from_db()
    assert case.status == S.PENDING_APPROVAL and case.version == seen + 1
    events = case.events.count()
    conflicts = MyNumberConflict.objects.count()
    response = propose(client, case, NUMBERS["other"])  # limit + 1
    text = response.content.decode()
    assert response.status_code == 429 and "訂正の提案は1時間に3件までです" in text
    assert REFUSAL not in text  # nothing was looked up
    assert_no_full_number([("limit", text)], [NUMBERS["other"]])
    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == (
        S.PENDING_APPROVAL,
        seen + 1,
        events,
    )
    assert MyNumberConflict.objects.count() == conflicts
    limited = AuditEvent.objects.get(action="mismatch.propose", detail__refused="ProposalLimit")
    assert limited.outcome == "denied" and limited.actor == clerk
    assert limited.detail["limit"] == 3


def test_the_limit_is_per_account(client, case, clerk, supervisor, holder, settings):
    settings.MISMATCH_PROPOSALS_PER_ACCOUNT = 1
    client.force_login(clerk)
    check_all_matched(client, case)
    assert REFUSAL in propose(client, case, NUMBERS["other"]).content.decode()
    assert propose(client, case, NUMBERS["other"]).status_code == 429
    client.force_login(supervisor)
    assert REFUSAL in propose(client, case, NUMBERS["other"]).content.decode()


@pytest.mark.parametrize(
    ("limit", "window", "says"),
    [
        (20, 3600, "1時間に20件まで"),
        (5, 7200, "2時間に5件まで"),
        (3, 600, "10分に3件まで"),
        (1, 30, "1分に1件まで"),
    ],
)
def test_the_limit_message_names_the_limit_and_window(limit, window, says):
    assert says in ProposalLimit(limit, window).message
