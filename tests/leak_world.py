"""The world of the leak test (tests/test_leaks.py): the known My Numbers and the roster file
that brings them in (each number spelled as a person might write it), and the small helpers of
the journeys (tests/leak_journeys.py)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.test import TestCase
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from members.models import Member
from members.roster.parse import MEMBER_COLUMNS
from tests.factories import valid_my_number
from tests.leak_capture import FULL

NUMBERS = {
    "insured": valid_my_number(73049518263),
    "spouse": valid_my_number(58201937465),
    "child": valid_my_number(91827364501),
    "new_hire": valid_my_number(46372819054),
    "new_hire_spouse": valid_my_number(19283746550),
    "holder": valid_my_number(65019283746),  # another member's: a proposal of it is refused
    "right": valid_my_number(38475610293),  # the spouse's correct number, found by the 業務課
    "typed": valid_my_number(27364519082),  # typed into forms where it does not belong
}
# Twelve digits with a wrong check digit: not a My Number, still never to be shown.
NUMBERS["wrong_check"] = NUMBERS["typed"][:11] + str((int(NUMBERS["typed"][11]) + 1) % 10)


def spaced(number: str, sep: str = " ") -> str:
    return sep.join([number[:4], number[4:8], number[8:]])


def typed_spellings(number: str) -> list[str]:
    return [
        number,
        spaced(number),
        spaced(number, "-"),
        number.translate(FULL),
        spaced(number, "\u3000").translate(FULL),
    ]


def _row(kigo, bango, edaban, relation, name, kana, sex, born, acquired, number, myna):
    values = [kigo, bango, edaban, relation, name, kana, sex, born, "108-0074"]
    values += ["東京都港区高輪3-3-3", acquired, "", number, myna]
    return dict(zip(MEMBER_COLUMNS, values, strict=True))


N = NUMBERS
# Each number written in the file as a person might: plain, spaced, full-width, hyphenated.
ROSTER = [
    _row("1201", "501", "00", "本人", "伊藤　大輔", "イトウ　ダイスケ", "男", "1980-06-15",
         "2010-04-01", N["insured"], "有"),
    _row("1201", "501", "01", "配偶者", "伊藤　彩", "イトウ　アヤ", "女", "1982-02-02",
         "2012-04-01", spaced(N["spouse"]), "有"),
    _row("1201", "501", "02", "子", "伊藤　蓮", "イトウ　レン", "男", "2015-05-05",
         "2015-05-05", spaced(N["child"], "－").translate(FULL), "無"),
    _row("1201", "502", "00", "本人", "小林　誠", "コバヤシ　マコト", "男", "1999-01-20",
         "2026-10-01", spaced(N["new_hire"], "-"), "無"),
    _row("1201", "502", "01", "配偶者", "小林　陽子", "コバヤシ　ヨウコ", "女", "2000-08-08",
         "2026-10-01", N["new_hire_spouse"], ""),
    _row("1305", "601", "00", "本人", "中島　修", "ナカジマ　オサム", "男", "1970-03-03",
         "2000-04-01", spaced(N["holder"], "\u3000").translate(FULL), "有"),
]  # fmt: skip


def roster_csv(rows: list[dict[str, str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MEMBER_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def member(kigo: str, bango: str, edaban: str = "00") -> Member:
    return Member.objects.get(kigo=kigo, bango=bango, edaban=edaban)


def run_tasks(done: set) -> int:
    """What the task workers would do: every enqueued task, in order, until none is left."""
    ran = 0
    while pending := list(DBTaskResult.objects.exclude(pk__in=done).order_by("enqueued_at")):
        for result in pending:
            done.add(result.pk)
            task = import_string(result.task_path)
            with TestCase.captureOnCommitCallbacks(execute=True):  # what it enqueues in turn
                task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
            ran += 1
    return ran


@dataclass
class People:
    clerk: object
    supervisor: object
    auditor: object
    hr: object


def ok(response, *statuses: int) -> None:
    if response.status_code not in (statuses or (200, 302)):
        errors = re.findall(r'class="errorlist[^>]*>(.*?)</ul>', response.content.decode())
        raise AssertionError(f"{response.status_code} {response.get('Location')} {errors}")
