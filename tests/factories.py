"""Small builders for member records; every value is one a real roster could hold."""

from __future__ import annotations

from datetime import date
from itertools import count

from members.models import Employer, Member
from portal.checkdigits import my_number_check_digit

_numbers = count(1)


def make_employer(kigo: str = "1201", name: str = "日本部品工業株式会社") -> Employer:
    employer, _ = Employer.objects.get_or_create(
        kigo=kigo,
        defaults={"name": name, "postal_code": "108-0074", "address": "東京都港区高輪1-1-1"},
    )
    return employer


def make_member(
    employer: Employer | None = None,
    *,
    bango: str | None = None,
    edaban: str = "00",
    insured: Member | None = None,
    relation: str = "本人",
    name: str = "山田　花子",
    name_kana: str = "ヤマダ　ハナコ",
    birth_date: date = date(1985, 4, 1),
    acquired_on: date = date(2010, 4, 1),
    lost_on: date | None = None,
) -> Member:
    employer = employer or (insured.employer if insured else make_employer())
    return Member.objects.create(
        employer=employer,
        kigo=employer.kigo,
        bango=bango or (insured.bango if insured else str(next(_numbers))),
        edaban=edaban,
        relation=relation,
        insured=insured,
        name=name,
        name_kana=name_kana,
        sex="female",
        birth_date=birth_date,
        postal_code="108-0074",
        address="東京都港区高輪1-1-1",
        acquired_on=acquired_on,
        lost_on=lost_on,
    )


def valid_my_number(seed: int) -> str:
    first11 = f"{seed:011d}"
    return first11 + str(my_number_check_digit(first11))
