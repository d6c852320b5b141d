from datetime import date

import pytest
from django.template import Context, Template

from portal.wareki import format_wareki, format_wareki_with_year


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1868, 10, 22), "1868年10月22日"),  # before 明治: 西暦 only
        (date(1868, 10, 23), "明治元年10月23日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2024, 12, 2), "令和6年12月2日"),
    ],
)
def test_format_wareki_at_every_era_boundary(day, expected):
    assert format_wareki(day) == expected


def test_with_western_year():
    assert format_wareki_with_year(date(2024, 12, 2)) == "令和6年12月2日 (2024年)"


def test_template_filters_are_builtin():
    rendered = Template("{{ d|wareki }} / {{ d|wareki_year }} / [{{ none|wareki }}]").render(
        Context({"d": date(2025, 12, 1), "none": None})
    )
    assert rendered == "令和7年12月1日 / 令和7年12月1日 (2025年) / []"
