"""A notice is no longer valid from the first day without coverage (the roster's loss date,
the 75th birthday, the insured person's end for a dependent), worked out when the page is read:
最新 the day before, 無効 with the reason and the date on the day."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from members.models import Member
from notices.verification import token_for
from tests import elderly_world, notice_world
from tests.elderly_world import at
from tests.notice_world import issue

elderly = elderly_world.elderly
household = notice_world.household


def _verify(client, notice) -> str:
    return client.get(
        reverse("notices:verify", args=[token_for(notice.public_id)])
    ).content.decode()


def _home(client, member) -> str:
    client.force_login(member)
    return client.get(reverse("members:home")).content.decode()


def test_a_leavers_notice_and_their_dependents_are_無効_from_the_loss_date(
    client, household, member, time_machine
):
    time_machine.move_to(at(date(2025, 9, 1)))
    insured_notice = issue(household["insured"])
    spouse_notice = issue(household["spouse"])
    Member.objects.filter(pk=household["insured"].pk).update(lost_on=date(2025, 10, 1))

    time_machine.move_to(at(date(2025, 9, 30)))
    for notice in (insured_notice, spouse_notice):
        page = _verify(client, notice)
        assert "最新" in page and "無効" not in page
    assert "無効" not in _home(client, member)

    time_machine.move_to(at(date(2025, 10, 1)))
    for notice in (insured_notice, spouse_notice):
        page = _verify(client, notice)
        assert "最新" not in page
        assert "無効" in page and "資格喪失" in page and "令和7年10月1日" in page
        # Still nothing personal beyond what the page always showed.
        assert "花子" not in page and "𠮷男" not in page and "1985" not in page
    home = _home(client, member)
    assert home.count("無効: 資格喪失(令和7年10月1日から)") == 2
    assert "下4桁が違う" not in home  # nothing to compare on a notice no longer valid
    page = client.get(reverse("notices:member_notice", args=[insured_notice.pk])).content.decode()
    assert "無効" in page and "資格喪失" in page


def test_a_notice_is_無効_on_the_75th_birthday(client, elderly, member, time_machine):
    time_machine.move_to(at(date(2026, 8, 1)))
    notice = issue(elderly["insured"])
    time_machine.move_to(at(date(2027, 3, 9)))
    assert "最新" in _verify(client, notice)
    time_machine.move_to(at(date(2027, 3, 10)))
    page = _verify(client, notice)
    assert "無効" in page and "75歳到達により後期高齢者医療へ移行" in page
    assert "令和9年3月10日" in page and "最新" not in page
    assert "無効: 75歳到達により後期高齢者医療へ移行(令和9年3月10日から)" in _home(client, member)


def test_a_70_74_notice_is_無効_after_its_有効期限(client, elderly, member, time_machine):
    notice = issue(elderly["insured"])  # on 1 September 2025: until 31 July 2026
    time_machine.move_to(at(date(2026, 7, 31)))
    assert "最新" in _verify(client, notice)
    time_machine.move_to(at(date(2026, 8, 1)))
    page = _verify(client, notice)
    assert "無効" in page and "有効期限" in page and "令和8年7月31日" in page
    assert "無効: 有効期限(令和8年7月31日)を過ぎています" in _home(client, member)


def test_the_staff_member_page_shows_the_current_notice_無効_once_coverage_ends(
    client, household, clerk, time_machine
):
    time_machine.move_to(at(date(2025, 9, 1)))
    issue(household["spouse"])
    Member.objects.filter(pk=household["insured"].pk).update(lost_on=date(2025, 10, 1))
    url = reverse("members:staff_member", args=[household["spouse"].pk])
    lost_note = '資格喪失(<span class="nowrap">令和7年10月1日 (2025年)</span>から)'
    time_machine.move_to(at(date(2025, 9, 30)))
    client.force_login(clerk)
    page = client.get(url).content.decode()
    assert "最新" in page and lost_note not in page
    time_machine.move_to(at(date(2025, 10, 1)))
    client.force_login(clerk)
    page = client.get(url).content.decode()
    assert "最新" not in page and lost_note in page
