"""The staff worklist 負担割合未登録: who is 70-74 on a day with no rate on file, its CSV, its
audit events, and a 404 for everyone but clerks and supervisors."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from members.models import Member
from portal.models import AuditEvent
from tests import roster_world
from tests.factories import make_employer, make_member

employers = roster_world.employers

URL = reverse("members:copay_missing")
DAY = datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def demo(employers, time_machine, insurer):
    time_machine.move_to(DAY)
    return roster_world.run_file("members.csv")


def keys(response) -> list[str]:
    return [
        f"{member.kigo}-{member.bango}-{member.edaban}" for member, _ in response.context["rows"]
    ]


@pytest.mark.parametrize("persona", ["clerk", "supervisor"])
def test_staff_see_the_70_to_74s_without_a_rate(client, demo, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    # 加藤 洋子 (71, no rate); not 木村 正男 (72, 3割), nor the over-75s, nor anyone under 70.
    assert keys(response) == ["1305-23-00"]
    page = response.content.decode()
    assert "加藤　洋子" in page and "令和7年12月1日 (2025年)" in page  # her 発効期日
    assert "木村　正男" not in page and "吉田　茂" not in page
    event = AuditEvent.objects.get(action="member.copay_missing_list")
    assert event.detail == {"day": "2026-11-26", "rows": 1, "page": 1}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025-11-30", []),  # 加藤 洋子 is 70 since 2025-11-19, her rate applies from December
        ("R7.12.1", ["1305-23-00"]),
        ("令和7年12月1日", ["1305-23-00"]),
        ("２０２５年１２月１日", ["1305-23-00"]),
    ],
)
def test_the_day_is_typed_in_seireki_or_wareki(client, demo, clerk, typed, expected):
    client.force_login(clerk)
    response = client.get(URL, {"day": typed})
    assert response.status_code == 200 and keys(response) == expected


@pytest.mark.parametrize(
    ("born", "listed"),
    [
        (date(1956, 11, 1), True),  # born on the 1st: from 2026-11-01
        (date(1956, 11, 2), False),  # 70 this month: from 2026-12-01
        (date(1951, 11, 27), True),  # 75 tomorrow
        (date(1951, 11, 26), False),  # 75 today
    ],
)
def test_the_age_bounds_on_the_day(client, insurer, clerk, time_machine, born, listed):
    time_machine.move_to(DAY)
    make_member(make_employer(), birth_date=born, acquired_on=date(2000, 4, 1))
    client.force_login(clerk)
    assert len(client.get(URL).context["rows"]) == (1 if listed else 0)


def test_a_dependent_of_a_leaver_and_a_member_with_a_rate_are_not_listed(
    client, insurer, clerk, time_machine
):
    time_machine.move_to(DAY)
    insured = make_member(lost_on=date(2026, 4, 1), birth_date=date(1980, 1, 1))
    make_member(insured=insured, edaban="01", relation="配偶者", birth_date=date(1954, 1, 1))
    rated = make_member(birth_date=date(1954, 1, 1))
    Member.objects.filter(pk=rated.pk).update(copay_rate="2割")
    client.force_login(clerk)
    assert client.get(URL).context["rows"] == []
    assert "該当する方はいません" in client.get(URL).content.decode()


def test_the_csv_is_formula_safe_with_a_bom_and_audited(client, demo, clerk):
    Member.objects.filter(name="加藤　洋子").update(name="=HYPERLINK(1)")
    client.force_login(clerk)
    response = client.get(URL, {"day": "2026-11-26", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="copay-missing-20261126.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff記号,番号,枝番,氏名,")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][:4] == ["1305", "23", "00", "'=HYPERLINK(1)"]
    assert rows[1][-2:] == ["2025-12-01", "2030-11-20"]
    assert len(rows) == 2
    assert "300000000098" not in body and "0098" not in body
    event = AuditEvent.objects.get(action="member.copay_missing_export")
    assert event.detail == {"day": "2026-11-26", "rows": 1}


def test_the_list_is_paginated(client, insurer, clerk, time_machine):
    time_machine.move_to(DAY)
    employer = make_employer()
    for _ in range(51):
        make_member(employer, birth_date=date(1954, 1, 1))
    client.force_login(clerk)
    first = client.get(URL)
    assert len(first.context["rows"]) == 50 and "1 / 2 ページ" in first.content.decode()
    second = client.get(URL, {"page": "2"})
    assert len(second.context["rows"]) == 1
    bad = client.get(URL, {"page": "x"})
    assert bad.status_code == 200 and "最初のページ" in bad.content.decode()


@pytest.mark.parametrize("typed", ["2026-02-30", "あした", "x" * 40, "314159265352"])
def test_a_bad_day_is_a_message_not_a_500(client, demo, clerk, typed):
    client.force_login(clerk)
    response = client.get(URL, {"day": typed})
    page = response.content.decode()
    assert response.status_code == 200 and "基準日に誤りがあります" in page
    assert response.context["page"] is None
    assert "314159265352" not in page
    assert not AuditEvent.objects.filter(action__startswith="member.copay_missing").exists()


@pytest.mark.parametrize("persona", ["member", "employer_user", "auditor"])
def test_other_roles_get_the_wrong_account_page(client, demo, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv"}).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, demo):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_staff_home_links_to_the_worklist(client, insurer, clerk):
    client.force_login(clerk)
    assert URL in client.get(reverse("staff_home")).content.decode()
