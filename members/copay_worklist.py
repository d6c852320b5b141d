"""負担割合未登録: members aged 70-74 on a day with no 一部負担金の割合 on file.

Their notices and certificates wait until the rate is imported with the roster (never a guessed
one), so staff chase the insurer's decision for each of them. One indexed query on birth_date;
the CSV streams the same query in chunks. No My Number, not even its last digits.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db.models import QuerySet

from members.access import member_records
from members.coverage import elderly_born_between, elderly_from, late_elderly_from
from members.export import PERSON_COLUMNS, person_cells
from members.models import Member
from portal.pagination import keyset_rows
from portal.services import spreadsheet_csv

CHUNK = 2000
ORDER = ("kigo", "bango", "edaban")  # unique (member_kigo_bango_edaban)


def copay_missing(day: date) -> QuerySet[Member]:
    """Members enrolled on `day`, aged 70-74 by the 発効期日 rule, without a 負担割合."""
    after, on_or_before = elderly_born_between(day)
    return (
        member_records()
        .enrolled_on(day)
        .filter(birth_date__gt=after, birth_date__lte=on_or_before, copay_rate="")
        .select_related("employer")
        .order_by(*ORDER)
    )


CSV_HEADER = [
    *PERSON_COLUMNS,
    "発効期日",
    "75歳の誕生日",
]


def csv_lines(members: QuerySet[Member]) -> Iterator[str]:
    """The export, streamed (UTF-8 with BOM, every cell formula-safe)."""
    return spreadsheet_csv(CSV_HEADER, _rows(members))


def _rows(members: QuerySet[Member]) -> Iterator[list[object]]:
    # Keyset pages, not iterator(): behind a transaction-mode pooler that reads it all at once.
    for member in keyset_rows(members, ORDER, size=CHUNK):
        yield [
            *person_cells(member),
            elderly_from(member.birth_date).isoformat(),
            late_elderly_from(member.birth_date).isoformat(),
        ]
