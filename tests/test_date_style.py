"""One date style on every page: 令和N年M月D日 (YYYY年), date-times followed by HH:MM (Asia/Tokyo).

Django's |date: and |time: filters print ISO or ad-hoc formats, so templates may use them only
where a machine reads the value (listed, with the reason, in ALLOWED below). Staff tables keep a
date on one line: a date-only cell carries the .cell-date class, which portal.css keeps nowrap.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from notices.models import MismatchCase
from portal import audit
from portal.models import AuditEvent
from portal.wareki import format_wareki_with_year
from tests.mismatch_world import make_household, report

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CSS = Path(settings.BASE_DIR) / "static" / "css" / "portal.css"
MACHINE_FILTER = re.compile(r"\|\s*(?:date|time)\s*:")

# (template, the exact line's stripped text) -> why a machine format is right there.
ALLOWED: dict[tuple[str, str], str] = {}


def _machine_date_uses() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if MACHINE_FILTER.search(line):
                found.append((str(path.relative_to(TEMPLATES)), line.strip()))
    return found


def test_templates_print_dates_only_through_the_wareki_filters():
    unexplained = [use for use in _machine_date_uses() if use not in ALLOWED]
    assert unexplained == [], "use |wareki_year or |wareki_datetime (or justify in ALLOWED)"


def test_the_allow_list_has_no_stale_entries():
    assert set(ALLOWED) <= set(_machine_date_uses())


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        # 00:30 on 2 December in Tokyo is still 1 December in UTC: the page shows Tokyo's day.
        (
            "{{ v|wareki_datetime }}",
            datetime(2024, 12, 1, 15, 30, tzinfo=ZoneInfo("UTC")),
            "令和6年12月2日 (2024年) 00:30",
        ),
        (
            '{{ v|wareki_datetime:"seconds" }}',
            datetime(2025, 6, 2, 0, 5, 9, tzinfo=ZoneInfo("UTC")),
            "令和7年6月2日 (2025年) 09:05:09",
        ),
        ("{{ v|wareki_datetime }}", date(2019, 5, 1), "令和元年5月1日 (2019年)"),
        ("{{ v|wareki_datetime }}", None, ""),
        ("{{ v|wareki_month }}", date(2019, 4, 30), "平成31年4月 (2019年)"),
        ("{{ v|wareki_month }}", date(2025, 11, 1), "令和7年11月 (2025年)"),
        ("{{ v|wareki_month }}", None, ""),
    ],
)
def test_date_time_filters(template, value, expected):
    assert Template(template).render(Context({"v": value})) == expected


def test_date_cells_and_badges_stay_on_one_line():
    css = CSS.read_text(encoding="utf-8")
    assert re.search(r"\.cell-date, \.nowrap, \.badge \{ white-space: nowrap; \}", css)
    assert ".layout-wide .site-main" in css  # staff screens use the wider container


@pytest.mark.parametrize(
    "template",
    [
        "portal/audit_log.html",
        "notices/mismatch/queue.html",
        "notices/mismatch/_conflicts.html",
        "eligibility/applications/staff/queue.html",
        "notices/batches/list.html",
        "members/roster/imports.html",
    ],
)
def test_staff_list_dates_sit_in_nowrap_cells(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    cells = re.findall(r"<td[^>]*>(?:(?!</td>).)*wareki(?:(?!</td>).)*</td>", text)
    assert cells and all('class="cell-date"' in cell for cell in cells)


def _tbody(response) -> str:
    page = response.content.decode()
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_the_audit_log_shows_wareki_with_the_western_year(client, auditor, clerk, insurer):
    audit.record("insurer.update", actor=clerk, target_label="保険者")
    # The log is append-only (the database refuses UPDATE), so read the time it was given.
    tokyo = timezone.localtime(AuditEvent.objects.get(action="insurer.update").at)
    client.force_login(auditor)
    rows = _tbody(client.get(reverse("audit_log"), {"action": "insurer.update"}))
    shown = f"{format_wareki_with_year(tokyo.date())} {tokyo:%H:%M:%S}"
    assert f'<td class="cell-date">{shown}</td>' in rows
    assert f" ({tokyo.year}年) " in shown and tokyo.date().isoformat() not in rows


def test_the_mismatch_queue_shows_wareki_with_the_western_year(client, insurer, member, clerk):
    household = make_household(member)
    client.force_login(member)
    case = report(client, household.spouse_notice)
    at = timezone.make_aware(datetime(2025, 3, 4, 9, 15), ZoneInfo("Asia/Tokyo"))
    MismatchCase.objects.filter(pk=case.pk).update(created_at=at)
    client.force_login(clerk)
    rows = _tbody(client.get(reverse("members:mismatch_queue")))
    assert "令和7年3月4日 (2025年) 09:15" in rows and "2025-03-04" not in rows
    page = client.get(reverse("members:mismatch_case", args=[case.pk])).content.decode()
    assert "令和7年3月4日 (2025年) 09:15" in page and "2025-03-04" not in page
