"""What members and anyone else see: the dashboard's status cards (today and with time travel),
the remembered smartphone answer, and the public guide."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from eligibility.models import SmartphonePreference
from eligibility.rules import Primary
from eligibility.status import member_advice
from members.access import get_household_member_for_user
from members.models import Member
from portal.dev.demo import load_demo_roster, seed_demo_eligibility
from portal.models import AuditEvent
from tests.eligibility_demo import (
    DAYS,
    HOUSEHOLDS,
    at,
    expected_on,
    key_of,
    link,
    load_demo,
    member_by_key,
)
from tests.test_guards import _check_page

HOME = reverse("members:home")
GUIDE = reverse("eligibility:guide")
BUSINESS_PHONE = "03-3443-4256"


@pytest.fixture
def demo(db, insurer, time_machine):
    load_demo(time_machine)


def _card(html: str, person: Member) -> str:
    """The status card of one person on the dashboard."""
    start = html.index(f'id="person-{person.pk}"')
    return html[start : html.index("</section>", start)]


def _smartphone(client, person: Member, value: str):
    return client.post(
        reverse("eligibility:smartphone", args=[person.pk]), {"has_smartphone": value}
    )


# --- the dashboard ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", DAYS)
def test_every_demo_household_sees_the_right_advice(client, demo, member, time_machine, day):
    time_machine.move_to(at(day))
    expected = expected_on(day)
    for household in HOUSEHOLDS:
        insured = link(member, household)
        client.force_login(member)
        response = client.get(HOME)
        _check_page(response, HOME)
        html = response.content.decode()
        people = [insured, *Member.objects.filter(insured=insured)]
        assert people
        for person in people:
            card = _card(html, person)
            label = Primary(expected[key_of(person)]).label
            assert label in card, f"{day} {person}: expected {label}"


def test_the_phone_number_comes_with_a_phone_call(client, demo, member, time_machine):
    time_machine.move_to(at("2025-06-01"))
    link(member, "1201-1")
    client.force_login(member)
    html = client.get(HOME).content.decode()
    yui = _card(html, member_by_key("1201-1-03"))  # legacy card expired, nothing else
    assert "業務課にお電話ください" in yui and f'href="tel:{BUSINESS_PHONE}"' in yui
    assert "有効期限（令和7年3月31日）を過ぎています" in yui
    hanako = _card(html, member_by_key("1201-1-00"))
    assert BUSINESS_PHONE not in hanako
    assert "健康保険証（従来の保険証）" in hanako  # still a backup until 2025-12-01


def test_a_cancelled_registration_waits_for_the_certificate(client, demo, member, time_machine):
    time_machine.move_to(at("2025-06-01"))
    link(member, "1305-21")
    client.force_login(member)
    yumi = _card(client.get(HOME).content.decode(), member_by_key("1305-21-01"))
    assert "利用登録を解除したため、令和6年12月31日で使えなくなりました" in yumi
    assert "資格確認書をお送りします" in yumi and BUSINESS_PHONE in yumi


@pytest.fixture
def demo_today(db, insurer):
    load_demo()  # imported today, without time travel


def test_todays_dashboard_agrees_with_the_rules(client, demo_today, member):
    today = timezone.localdate()
    for household in HOUSEHOLDS:
        insured = link(member, household)
        client.force_login(member)
        html = client.get(HOME).content.decode()
        for person in [insured, *Member.objects.filter(insured=insured)]:
            advice = member_advice(person, today)
            card = _card(html, person)
            assert advice.primary.label in card
            if advice.next_step:
                assert advice.next_step.text in card


def test_staff_only_remarks_stay_off_the_dashboard(client, demo, member, clerk):
    # A 資格確認書 recorded next to a registration: staff see the contradiction, members do not.
    hanako = member_by_key("1201-1-00")
    hanako.certificates.create(
        issued_on=date(2025, 11, 20), valid_from=date(2025, 12, 2), valid_to=date(2030, 11, 30)
    )
    link(member, "1201-1")
    client.force_login(member)
    assert "記録に矛盾があります" not in client.get(HOME).content.decode()
    client.force_login(clerk)
    page = client.get(reverse("members:staff_member", args=[hanako.pk])).content.decode()
    assert "記録に矛盾があります" in page


def test_an_unlinked_member_sees_no_status(client, demo, member):
    client.force_login(member)
    html = client.get(HOME).content.decode()
    assert "医療機関・薬局で見せるもの" not in html and "person-" not in html


# --- "I have no smartphone" -------------------------------------------------------------------


def test_no_smartphone_changes_the_advice_and_is_remembered(client, demo, member):
    link(member, "1201-1")
    hanako, taro = member_by_key("1201-1-00"), member_by_key("1201-1-01")
    client.force_login(member)
    html = client.get(HOME).content.decode()
    assert Primary.MYNA_CARD.label in _card(html, hanako)
    assert "スマートフォンを持っていない" in _card(html, hanako)

    response = _smartphone(client, hanako, "no")
    assert response.status_code == 302
    assert response["Location"] == f"{HOME}#person-{hanako.pk}"
    _smartphone(client, taro, "yes")

    client.logout()
    client.force_login(member)  # a new session: the answers were stored, not kept in it
    html = client.get(HOME).content.decode()
    card = _card(html, hanako)
    assert Primary.MYNA_CARD_WITH_NOTICE.label in card
    assert "切り取り、マイナンバーカードと一緒に" in card
    assert f'id="phone-{hanako.pk}-no" checked' in card
    assert Primary.MYNA_PORTAL_SCREEN.label in _card(html, taro)
    events = AuditEvent.objects.filter(action="eligibility.smartphone_set")
    assert {(e.target_id, e.detail["has_smartphone"]) for e in events} == {
        (str(hanako.pk), False),
        (str(taro.pk), True),
    }


def test_a_bad_answer_changes_nothing(client, demo, member):
    link(member, "1201-1")
    hanako = member_by_key("1201-1-00")
    client.force_login(member)
    response = _smartphone(client, hanako, "maybe")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "選んでから保存してください" in page
    assert not SmartphonePreference.objects.exists()


def test_another_households_person_is_a_404(client, demo, member, other_member):
    link(member, "1201-1")
    link(other_member, "1201-2")
    client.force_login(other_member)
    for key in ("1201-1-00", "1201-1-01"):
        assert _smartphone(client, member_by_key(key), "no").status_code == 404
    assert _smartphone(client, member_by_key("1201-2-01"), "no").status_code == 302
    assert list(SmartphonePreference.objects.values_list("member__name", flat=True)) == [
        "佐藤　美咲"
    ]


@pytest.mark.parametrize("persona", ["employer_user", "clerk", "supervisor", "auditor"])
def test_only_members_state_a_smartphone(client, demo, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert _smartphone(client, member_by_key("1201-1-00"), "no").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, demo):
    response = _smartphone(client, member_by_key("1201-1-00"), "no")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_get_household_member_for_user(demo, member, other_member, employer_user):
    link(member, "1201-1")
    hanako, yui = member_by_key("1201-1-00"), member_by_key("1201-1-03")
    assert get_household_member_for_user(member, hanako.pk) == hanako
    assert get_household_member_for_user(member, yui.pk) == yui
    outsiders = [(member, member_by_key("1201-2-00").pk), (member, 999_999_999)]
    outsiders += [(other_member, hanako.pk), (employer_user, hanako.pk)]
    for user, pk in outsiders:
        with pytest.raises(Http404):
            get_household_member_for_user(user, pk)
    with pytest.raises(Http404):
        get_household_member_for_user(None, hanako.pk)


def test_the_demo_facts_load_once(demo):
    before = AuditEvent.objects.count()
    assert seed_demo_eligibility() == 0
    runs = load_demo_roster()
    assert [(r.created, r.updated) for r in runs] == [(0, 0), (0, 0)]
    # Only the import runs themselves are recorded.
    assert AuditEvent.objects.count() == before + 2


# --- the public guide -------------------------------------------------------------------------


def test_the_guide_answers_anyone(client, insurer):
    response = client.get(GUIDE)
    assert response.status_code == 200
    _check_page(response, GUIDE)
    html = response.content.decode()
    assert "Q1: マイナポータルの資格情報画面" in html and "Q2: 資格情報のお知らせは" in html
    assert 'id="result-title"' not in html


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(
            {"card": "yes", "registered": "yes", "smartphone": "yes"}, "ステップ1", id="1"
        ),
        pytest.param({"card": "yes", "registered": "yes", "smartphone": "no"}, "ステップ2", id="2"),
        pytest.param({"card": "no"}, "ステップ3", id="3"),
        pytest.param({"card": "yes", "registered": "no"}, "利用登録してください", id="未登録"),
        pytest.param({"card": "yes", "registered": "unknown"}, "確認できます", id="不明"),
        pytest.param({"card": "yes"}, "2問目", id="2問目が未回答"),
        pytest.param({"card": "yes", "registered": "yes"}, "3問目", id="3問目が未回答"),
        pytest.param({"smartphone": "yes"}, "1問目", id="1問目が未回答"),
    ],
)
def test_the_guide_walks_the_flowchart(client, insurer, answers, expected):
    response = client.get(GUIDE, answers)
    assert response.status_code == 200
    _check_page(response, GUIDE)
    # The result alone: the flowchart below it names every step too.
    result = response.content.decode().split('id="result-title"')[1].split('id="flow-title"')[0]
    assert expected in result


def test_the_guide_speaks_for_the_day(client, insurer, member, time_machine):
    answers = {"card": "no"}
    time_machine.move_to(at("2025-06-01"))
    assert "令和7年12月1日まで(券面" in client.get(GUIDE, answers).content.decode()
    time_machine.move_to(at("2026-01-15"))
    assert "暫定的な取扱いとして" in client.get(GUIDE, answers).content.decode()
    client.force_login(member)  # signed in, the same page
    response = client.get(GUIDE, {"card": "yes", "registered": "yes", "smartphone": "yes"})
    assert "ダウンロードしてください" in response.content.decode()
