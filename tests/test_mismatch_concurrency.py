"""Two staff acting on one case at once: one wins, the other is told and keeps their input."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from notices.mismatch import casework
from notices.models import MismatchCase
from portal.roles import Role
from tests.mismatch_world import ALL_MATCHED, check_all_matched, make_household, post, report
from tests.personas import make_user

S = MismatchCase.Status


def test_a_stale_version_is_refused_and_the_input_is_kept(client, insurer, member, clerk):
    household = make_household(member)
    client.force_login(member)
    case = report(client, household.spouse_notice)
    seen = case.version  # both clerks opened the page at this version
    other = Client()
    other.force_login(make_user("clerk2@kenpo.example.jp", Role.CLERK))
    assert post(other, "mismatch_check", case, ALL_MATCHED).status_code == 302
    client.force_login(clerk)
    reason = "住民票の写しで番号が正しいことを確認しました"
    response = client.post(
        reverse("members:mismatch_close", args=[case.pk]), {"version": seen, "reason": reason}
    )
    text = response.content.decode()
    assert response.status_code == 409
    assert "他の担当者がこの申出を先に更新しました" in text
    assert reason in text  # nothing typed is lost
    case.refresh_from_db()
    assert case.status == S.INVESTIGATING and case.version == seen + 1
    assert f'name="version" value="{case.version}"' in text  # a resubmit, now informed, goes
    response = client.post(
        reverse("members:mismatch_close", args=[case.pk]),
        {"version": case.version, "reason": reason},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.NO_ERROR


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_one_wins(insurer, member, clerk, supervisor, monkeypatch):
    # Each request holds the case a moment after reading it, so the two always overlap: without
    # the row lock both would read the same version and both would "win".
    locked = casework.locked

    def slow_locked(*args, **kwargs):
        case = locked(*args, **kwargs)
        time.sleep(0.3)
        return case

    monkeypatch.setattr(casework, "locked", slow_locked)
    household = make_household(member)
    setup = Client()
    setup.force_login(member)
    case = report(setup, household.spouse_notice)
    setup.force_login(clerk)
    check_all_matched(setup, case)
    case.refresh_from_db()
    clients = []
    for user in (clerk, supervisor):
        staff = Client()
        staff.force_login(user)
        clients.append(staff)
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    bodies: list[str] = []

    def act(staff: Client, reason: str) -> None:
        try:
            barrier.wait(timeout=10)
            response = staff.post(
                reverse("members:mismatch_close", args=[case.pk]),
                {"version": case.version, "reason": reason},
            )
            statuses.append(response.status_code)
            bodies.append(response.content.decode())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(staff, f"理由その{n}"))
        for n, staff in enumerate(clients, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 409]
    loser = bodies[statuses.index(409)]
    assert "他の担当者がこの申出を先に更新しました" in loser
    case.refresh_from_db()
    assert case.status == S.NO_ERROR and case.version == 3
    winner_reason = case.resolution_reason
    assert winner_reason in {"理由その1", "理由その2"}
    assert ({"理由その1", "理由その2"} - {winner_reason}).pop() in loser
    assert case.events.filter(kind="closed_no_error").count() == 1
