"""What every staff export of people starts with: who the person is and where they work."""

from __future__ import annotations

from members.models import Member

PERSON_COLUMNS = [
    "記号",
    "番号",
    "枝番",
    "氏名",
    "氏名カナ",
    "続柄",
    "生年月日",
    "事業所記号",
    "事業所名称",
]


def person_cells(member: Member) -> list[object]:
    """The cells under PERSON_COLUMNS (the member's employer must be loaded with it)."""
    return [
        member.kigo,
        member.bango,
        member.edaban,
        member.name,
        member.name_kana,
        member.relation,
        member.birth_date.isoformat(),
        member.employer.kigo,
        member.employer.name,
    ]
