"""The staff member page: the whole record, masked My Number, household, history; always audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from members.models import Member, MyNumberConflict
from members.services import MyNumberHeldByAnother, register_my_number
from portal import audit
from portal.models import AuditEvent
from tests.factories import make_employer, make_member, valid_my_number

NUMBER = valid_my_number(12345678901)  # 123456789018


def _url(member: Member | int) -> str:
    return reverse("members:staff_member", args=[getattr(member, "pk", member)])


@pytest.fixture
def household(db):
    employer = make_employer("1201", "日本部品工業株式会社")
    head = make_member(employer, bango="15", birth_date=date(1985, 4, 1))
    spouse = make_member(
        insured=head,
        edaban="01",
        relation="配偶者",
        name="山田　一郎",
        name_kana="ヤマダ　イチロウ",
        birth_date=date(1983, 11, 3),
    )
    child = make_member(
        insured=head,
        edaban="02",
        relation="子",
        name="山田　太郎",
        name_kana="ヤマダ　タロウ",
        birth_date=date(2015, 6, 10),
        lost_on=date(2020, 4, 1),
    )
    return head, spouse, child


def _views(member: Member) -> int:
    return AuditEvent.objects.filter(
        action="member.view", target_type="members.Member", target_id=str(member.pk)
    ).count()


@pytest.mark.parametrize("persona", ["clerk", "supervisor"])
def test_staff_see_the_whole_record(client, request, household, persona):
    head = household[0]
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_url(head))
    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "1201-15-00",
        "山田　花子",
        "ヤマダ　ハナコ",
        "本人",
        "女",
        "昭和60年4月1日 (1985年)",  # 生年月日 in 和暦 with the 西暦
        "平成22年4月1日 (2010年)",  # 資格取得年月日
        "108-0074",
        "東京都港区高輪1-1-1",
        "日本部品工業株式会社",
        "資格あり",
        "未登録",  # no My Number on file
        "未連携",  # no login account linked
    ]:
        assert text in page, text


def test_the_household_links_every_member_to_their_page(client, clerk, household):
    child = household[2]
    client.force_login(clerk)
    for shown in household:
        page = client.get(_url(shown)).content.decode()
        others = [person for person in household if person != shown]
        for person in others:
            assert f'href="{_url(person)}"' in page
            assert person.name in page
        assert f'href="{_url(shown)}"' not in page  # the one on screen is marked, not linked
        assert "(表示中)" in page
    child_page = client.get(_url(child)).content.decode()
    assert "喪失(令和2年4月1日 (2020年))" in child_page
    assert "令和2年4月1日 (2020年)" in child_page
    assert "被扶養者(被保険者のアカウントから利用)" in child_page


def test_every_view_is_audited_and_listed_in_the_history(client, clerk, household):
    head = household[0]
    client.force_login(clerk)
    client.get(_url(head))
    response = client.get(_url(head))
    assert _views(head) == 2
    event = AuditEvent.objects.filter(action="member.view").latest("id")
    assert (event.actor, event.target_label) == (clerk, str(head))
    history = response.context["history"]
    assert [e.action for e in history] == ["member.view", "member.view"]
    assert history[0].id > history[1].id  # newest first
    assert "加入者情報の閲覧" in response.content.decode()


def test_the_history_is_capped_at_fifty_newest_first(client, clerk, household):
    head = household[0]
    for _ in range(55):
        audit.record("member.view", actor=clerk, target=head, target_label=str(head))
    other = household[1]
    audit.record("member.view", actor=clerk, target=other, target_label=str(other))
    client.force_login(clerk)
    history = list(client.get(_url(head)).context["history"])
    assert len(history) == 50
    assert all(event.target_id == str(head.pk) for event in history)
    assert history == sorted(history, key=lambda e: (e.at, e.id), reverse=True)


def test_only_the_last_four_digits_of_the_my_number_are_shown(client, clerk, household):
    head = household[0]
    register_my_number(head, NUMBER, source="staff", actor=clerk)
    client.force_login(clerk)
    response = client.get(_url(head))
    page = response.content.decode()
    assert "****-****-9018" in page
    assert "登録済" in page
    for shape in (NUMBER, "1234 5678 9018", "1234-5678-9018", "12345678", "56789018"):
        assert shape not in page
    assert "マイナンバーの登録" in page  # the registration is in the member's history
    member = response.context["member"]
    assert {"mynumber_token", "mynumber_hash"} <= member.get_deferred_fields()


def test_a_linked_login_account_is_shown(client, clerk, member, household):
    head = household[0]
    head.account = member
    head.save(update_fields=["account"])
    client.force_login(clerk)
    assert "連携済み(hanako@example.jp)" in client.get(_url(head)).content.decode()


def test_open_my_number_conflicts_involving_the_member_are_listed(client, supervisor, household):
    # Supervisors see both records (a clerk sees no holder: tests/test_mismatch_holder_privacy).
    head, spouse, _ = household
    register_my_number(head, NUMBER, source="staff")
    with pytest.raises(MyNumberHeldByAnother):
        register_my_number(spouse, NUMBER, source="import")
    client.force_login(supervisor)
    for shown, other in [(head, spouse), (spouse, head)]:
        response = client.get(_url(shown))
        assert len(response.context["conflicts"]) == 1
        page = response.content.decode()
        assert f'href="{_url(other)}"' in page and "import" in page
    MyNumberConflict.objects.update(resolved_at=timezone.now())
    page = client.get(_url(spouse)).content.decode()
    assert "未解決のマイナンバー重複" in page
    assert len(client.get(_url(spouse)).context["conflicts"]) == 0


def test_a_member_that_does_not_exist_is_a_404_and_nothing_is_audited(client, clerk, db):
    client.force_login(clerk)
    assert client.get(_url(999999)).status_code == 404
    assert not AuditEvent.objects.filter(action="member.view").exists()


@pytest.mark.parametrize("persona", ["member", "employer_user", "auditor"])
def test_other_roles_get_a_403_and_nothing_is_audited(client, request, household, persona):
    head = household[0]
    user = request.getfixturevalue(persona)
    if persona == "member":  # even the member's own record is not theirs through this page
        head.account = user
        head.save(update_fields=["account"])
    client.force_login(user)
    assert client.get(_url(head)).status_code == 403
    assert _views(head) == 0


def test_an_account_without_a_role_gets_a_403(client, household):
    user = get_user_model().objects.create_user(username="x@example.jp", email="x@example.jp")
    client.force_login(user)
    assert client.get(_url(household[0])).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, household):
    response = client.get(_url(household[0]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _views(household[0]) == 0


def test_the_access_helper_refuses_non_staff(rf, household, member, clerk):
    from django.http import Http404

    from members.access import get_member_for_staff

    request = rf.get("/")
    request.user = member
    with pytest.raises(Http404):
        get_member_for_staff(request, household[0].pk)
    request.user = clerk
    assert get_member_for_staff(request, household[0].pk) == household[0]
    with pytest.raises(Http404):
        get_member_for_staff(request, 999999)


def test_long_numbers_that_run_into_twelve_digits_still_open_and_are_audited(client, clerk, db):
    # 記号 12345678 + 番号 1234 + 枝番 00 would read as a My Number to the audit guard.
    member = make_member(make_employer("12345678", "長い記号工業"), bango="1234")
    client.force_login(clerk)
    assert client.get(_url(member)).status_code == 200
    event = AuditEvent.objects.get(action="member.view")
    assert event.target_label == f"12345678・1234・00 {member.name}"
    # Typed with hyphens it is refused as a My Number; spelt out with 記号/番号 it is found.
    search = reverse("members:staff_search")
    refused = client.get(search, {"q": "12345678-1234"}).content.decode()
    assert "記号12345678番号1234" in refused
    found = client.get(search, {"q": "記号12345678番号1234", "include_lost": "on"})
    assert [m.pk for m, _ in found.context["rows"]] == [member.pk]
    assert AuditEvent.objects.get(action="member.search").detail["kigo"] == "12345678"
