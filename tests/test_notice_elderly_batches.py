"""The 70-74 batches: on reaching 70 (by the 発効期日) and each 1 August, started like the initial
batch from the staff page or `manage.py issue_notices`. Targets at their boundary birth dates."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from notices.batches import services as batches
from notices.models import Notice, NoticeBatch
from portal.dev.demo import ensure_insurer, load_demo_roster
from tests.elderly_world import at
from tests.factories import make_member
from tests.notice_batch_world import CUTOFF, elderly_without_rate, run_all


def _people(births: dict[str, str]) -> dict[str, Member]:
    people = {}
    for n, (label, born) in enumerate(births.items()):
        person = make_member(bango=str(800 + n), birth_date=date.fromisoformat(born))
        Member.objects.filter(pk=person.pk).update(copay_rate="2割")
        people[label] = person
    return people


def _targets(reason: str, as_of: date) -> set[int]:
    return set(batches.targets("enrolled", as_of, None, None, reason).values_list("pk", flat=True))


def test_reaching_70_targets_those_whose_発効期日_is_the_基準日(insurer, time_machine):
    time_machine.move_to(at(date(2025, 5, 20)))  # in the birthday month of most of them
    people = _people(
        {
            "May 1st (発効期日 1 May)": "1955-05-01",
            "May 2nd": "1955-05-02",
            "June 1st (its own month)": "1955-06-01",
            "June 2nd (発効期日 1 July)": "1955-06-02",
        }
    )
    chosen = {people["May 2nd"].pk, people["June 1st (its own month)"].pk}
    assert _targets(Notice.Reason.ELDERLY_START, date(2025, 6, 1)) == chosen
    batch = batches.start_batch(
        reason=Notice.Reason.ELDERLY_START, as_of=date(2025, 6, 1), scope="enrolled"
    )
    run_all(batch)
    notices = Notice.objects.filter(batch=batch)
    assert {n.member_id for n in notices} == chosen
    for notice in notices:
        assert notice.issued_on == date(2025, 5, 20)
        assert notice.snapshot["effective_from"] == "2025-06-01"
        assert notice.snapshot["valid_until"] == "2025-07-31"
        assert notice.reason == Notice.Reason.ELDERLY_START


def test_the_yearly_batch_targets_everyone_70_74_on_1_august(insurer, time_machine):
    time_machine.move_to(at(date(2025, 7, 20)))  # started once the new rates are imported
    people = _people(
        {
            "70 by 1 August": "1955-08-01",
            "70 after": "1955-08-02",
            "75 on 1 August": "1950-08-01",
            "75 on 2 August": "1950-08-02",
            "under 70": "1985-04-01",
        }
    )
    chosen = {people["70 by 1 August"].pk, people["75 on 2 August"].pk}
    assert _targets(Notice.Reason.ELDERLY_RENEWAL, date(2025, 8, 1)) == chosen
    batch = batches.start_batch(
        reason=Notice.Reason.ELDERLY_RENEWAL, as_of=date(2025, 8, 1), scope="enrolled"
    )
    run_all(batch)
    terms = {
        n.member_id: (n.snapshot["effective_from"], n.snapshot["valid_until"])
        for n in Notice.objects.filter(batch=batch)
    }
    # The new period's terms, although issued in July; the last period ends before 75.
    assert terms == {
        people["70 by 1 August"].pk: ("2025-08-01", "2026-07-31"),
        people["75 on 2 August"].pk: ("2025-08-01", "2025-08-01"),
    }


@pytest.mark.parametrize(
    ("reason", "as_of", "message"),
    [
        ("elderly_start", "2025-06-02", "発効期日(月の初日"),
        ("elderly_renewal", "2025-07-31", "8月1日を指定してください"),
    ],
)
def test_a_wrong_基準日_starts_nothing(client, clerk, insurer, reason, as_of, message):
    _people({"someone 70": "1955-05-10"})
    client.force_login(clerk)
    form = {"reason": reason, "as_of": as_of, "scope": "enrolled"}
    response = client.post(reverse("notices:batches"), form)
    assert response.status_code == 200 and message in response.content.decode()
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("issue_notices", reason=reason, as_of=as_of)
    assert not NoticeBatch.objects.exists()


def test_staff_start_the_yearly_batch_from_the_page_and_the_command(
    client, clerk, insurer, time_machine
):
    time_machine.move_to(at(date(2025, 7, 20)))
    people = _people({"72": "1953-01-15", "60": "1965-01-15"})
    client.force_login(clerk)
    form = {"reason": "elderly_renewal", "as_of": "2025-08-01", "scope": "enrolled"}
    response = client.post(reverse("notices:batches"), form)
    assert response.status_code == 302
    batch = NoticeBatch.objects.get()
    assert batch.total == 1 and batch.items.get().member_id == people["72"].pk
    call_command("issue_notices", reason="elderly_renewal", as_of="2025-08-01", wait=True)
    assert Notice.objects.filter(member=people["72"], reason="elderly_renewal").count() == 1
    assert not Notice.objects.filter(member=people["60"]).exists()


def test_the_initial_batch_over_the_demo_roster_fails_the_member_without_a_rate(db, time_machine):
    time_machine.move_to(at(date(2026, 11, 26)))  # 加藤 洋子 is 71, with no rate on file
    ensure_insurer()
    load_demo_roster()
    missing = elderly_without_rate(timezone.localdate())
    enrolled = set(Member.objects.enrolled_on(CUTOFF).values_list("pk", flat=True))
    due = {person.pk for person in missing} & enrolled
    assert [person.name for person in missing] == ["加藤　洋子"] and due
    batch = batches.start_batch(reason=Notice.Reason.INITIAL, as_of=CUTOFF, scope="enrolled")
    run_all(batch)
    failed = batch.items.filter(status="failed")
    assert set(failed.values_list("member_id", flat=True)) == due
    assert all("負担割合が登録されていない" in item.error for item in failed)
    assert batch.items.filter(status="done").count() == len(enrolled) - len(due)
