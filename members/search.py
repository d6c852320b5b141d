"""Staff search over member records: query normalisation (pure) and the one search query.

The database holds `search_name`/`search_kana` = lower(replace(normalize(col, NFKC), ' ', ''))
as generated columns with pg_trgm GIN indexes; `normalise_text` folds the query the same way so
that `LIKE '%query%'` can be answered from those indexes (3 characters or more).

Short queries (1-2 characters) are searched too, without demanding more criteria: staff look
up two-kanji family names (佐藤, 山田) all the time. pg_trgm extracts no trigram from `%山田%`,
so PostgreSQL walks the 記号・番号 index until it has enough rows (common names) or scans the
table in parallel (rare names, no match). Measured on 1,000,000 members on two cores
(bench/search_members.py, docs/PERFORMANCE.md): about 20 ms for a common name, 0.13-0.15 s at
worst; a society of 100,000 members pays a tenth of that. Such searches run as one ordered scan
(CappedPaginator's one_scan), not a count plus a page, so the table is read once.

The count behind the result list stops at RESULT_CAP + 1 rows ("1,000件以上"), so a broad match
never costs a full count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property

from members.dates import parse_roster_date
from members.models import Employer, Member, vault_columns
from members.validators import RosterValueError, fold_dashes
from portal.models import contains_full_number

MY_NUMBER_REFUSED = (
    "個人番号では検索できません。記号・番号または氏名で検索してください"
    "（長い記号・番号は「記号12345678番号1234」の形で入力できます）。"
)

TRIGRAM = 3
# The result list stops counting here: past it staff are asked to narrow the search.
RESULT_CAP = 1000

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}  # ぁ..ゖ
_HIRAGANA_TO_KATAKANA |= {0x309D: 0x30FD, 0x309E: 0x30FE}  # ゝゞ -> ヽヾ

# 記号・番号(・枝番), after NFKC and with whitespace collapsed to single spaces:
# "1201-15", "1201 15", "記号1201番号15", "記号 1201 番号 15 枝番 01", "1201-15-01".
_SEP = r"(?:\s*[-・]\s*|\s+)"
_NUMBER_QUERY = re.compile(
    rf"(?:記号\s*)?([0-9]{{1,8}})(?:{_SEP}|\s*番号\s*)([0-9]{{1,8}})"
    rf"(?:(?:{_SEP}|\s*枝番\s*)([0-9]{{1,2}}))?"
)
_DIGITS_ONLY = re.compile(r"[0-9\s\-・記号番枝]+")
# Characters that never occur in a kana column: no need to ask its index about them.
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006]")


class SearchInputError(ValueError):
    """A search criterion that cannot be used; `message` is shown to staff as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_text(text: str) -> str:
    """The query as search_name holds names: NFKC, lower case, no spaces of any width."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def to_katakana(text: str) -> str:
    """Hiragana to katakana (やまだ -> ヤマダ); everything else unchanged."""
    return text.translate(_HIRAGANA_TO_KATAKANA)


@dataclass(frozen=True)
class MemberNumber:
    kigo: str
    bango: str
    edaban: str | None = None


@dataclass(frozen=True)
class ParsedQuery:
    """A free-text query: either a 記号・番号 or a name fragment in both spellings."""

    number: MemberNumber | None = None
    name: str = ""  # compared with search_name
    kana: str = ""  # compared with search_kana; "" when the query cannot be kana

    @property
    def is_empty(self) -> bool:
        return self.number is None and not self.name

    @property
    def is_short(self) -> bool:
        """A name fragment too short for a trigram: no index narrows it, the table is scanned."""
        return bool(self.name) and len(self.name) < TRIGRAM


def parse_query(text: str) -> ParsedQuery:
    """Classify and normalise the free-text box. Raises SearchInputError for unusable input."""
    if contains_full_number(text):
        # A 12-digit number is a My Number: never searched by, never written to the log.
        raise SearchInputError(MY_NUMBER_REFUSED)
    folded = " ".join(fold_dashes(unicodedata.normalize("NFKC", text)).split())
    if not folded:
        return ParsedQuery()
    if match := _NUMBER_QUERY.fullmatch(folded):
        kigo, bango, edaban = match.groups()
        return ParsedQuery(number=MemberNumber(kigo, bango, edaban.zfill(2) if edaban else None))
    if _DIGITS_ONLY.fullmatch(folded) and re.search("[0-9]", folded):
        raise SearchInputError(
            "記号と番号はハイフンか空白で区切って入力してください（例: 1201-15、記号1201番号15）。"
        )
    name = normalise_text(folded)
    kana = "" if _IDEOGRAPH.search(name) else to_katakana(name)
    return ParsedQuery(name=name, kana=kana)


def parse_birth_date(text: str) -> date | None:
    """生年月日 in 西暦 or 和暦 (any form parse_roster_date takes); None when blank."""
    if not text or not text.strip():
        return None
    try:
        return parse_roster_date(text)
    except RosterValueError as error:
        raise SearchInputError(error.message) from None


def search_members(
    *,
    query: str = "",
    birth_date: date | None = None,
    employer: Employer | None = None,
    include_lost: bool = True,
    as_of: date | None = None,
) -> QuerySet[Member]:
    """Members matching every given criterion, in 記号・番号・枝番 order.

    `as_of` is the day that decides who has lost eligibility; it is required when
    include_lost is False (rules take the date as an argument, never today's).
    """
    parsed = parse_query(query)
    members = (
        # The insured person comes along: a dependent's enrolment ends with theirs.
        Member.objects.select_related("employer", "insured")
        .defer(*vault_columns(), *vault_columns("insured"))
        .order_by("kigo", "bango", "edaban")
    )
    if parsed.number is not None:
        number = parsed.number
        members = members.filter(kigo=number.kigo, bango=number.bango)
        if number.edaban is not None:
            members = members.filter(edaban=number.edaban)
    elif parsed.name:
        match = Q(search_name__contains=parsed.name)
        if parsed.kana:
            match |= Q(search_kana__contains=parsed.kana)
        members = members.filter(match)
    if birth_date is not None:
        members = members.filter(birth_date=birth_date)
    if employer is not None:
        members = members.filter(employer=employer)
    if not include_lost:
        if as_of is None:
            raise ValueError("as_of is required to leave out members who lost eligibility")
        members = members.filter(Q(lost_on__isnull=True) | Q(lost_on__gt=as_of))
    return members


class CappedPaginator(Paginator):
    """A paginator that counts no further than `cap` matches.

    The count behind a broad match (佐藤 in a large society) stops at cap + 1 rows, so it costs
    about what the first pages cost; `capped` tells the page to say "1,000件以上".

    With one_scan (for short queries, which scan the table whatever happens), a single ordered
    query fetches the primary keys of the first cap + 1 matches; the count comes from that list
    and each page's rows are then read by primary key. Counting and paging separately would
    scan the table twice.
    """

    def __init__(
        self,
        object_list: QuerySet[Member],
        per_page: int,
        *,
        cap: int | None = None,
        one_scan: bool = False,
    ) -> None:
        self.cap = RESULT_CAP if cap is None else cap
        self.capped = False
        self._rows: QuerySet[Member] | None = None
        if one_scan:
            self._rows = object_list
            ids = list(object_list.values_list("pk", flat=True)[: self.cap + 1])
            self.capped = len(ids) > self.cap
            object_list = ids[: self.cap]
        super().__init__(object_list, per_page)

    @cached_property
    def count(self) -> int:
        if self._rows is not None:
            return len(self.object_list)
        # Unordered: which rows fall under the cap does not matter for counting them.
        found = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)

    def _get_page(self, object_list: Any, number: int, paginator: Paginator) -> Page:
        if self._rows is not None:
            by_pk = {member.pk: member for member in self._rows.filter(pk__in=list(object_list))}
            object_list = [by_pk[pk] for pk in object_list if pk in by_pk]
        return super()._get_page(object_list, number, paginator)
