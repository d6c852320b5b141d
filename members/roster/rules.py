"""What the roster import decides from a row and the import's day. Pure: no database, no clock.

The 負担割合 column (2割 or 3割 for people aged 70-74, decided by the insurer each year), the
loss of membership on the 75th birthday, and the dependent whose file gives a later end than
the insured person's. Messages are Japanese and repeat only dates, never a cell's text.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from members.coverage import copay_period_end, copay_rate_allowed, late_elderly_from
from members.validators import RosterValueError
from portal.wareki import format_wareki_with_year

COPAY_COLUMN = "負担割合"
_COPAY = re.compile(r"([23])割?")


def parse_copay_rate(text: str) -> str:
    """負担割合: 2割 / 3割, also 2 / 3, in any width and with spaces; "" for an empty cell."""
    value = "".join(unicodedata.normalize("NFKC", text).split())
    if not value:
        return ""
    match = _COPAY.fullmatch(value)
    if match is None:
        raise RosterValueError(
            "負担割合は「2割」「3割」(または「2」「3」)で入力してください。70歳未満の方は空欄にします。"
        )
    return f"{match.group(1)}割"


def copay_rate_refusal(birth_date: date, day: date) -> str | None:
    """Why a rate cannot be given to someone born on `birth_date` in a file imported on `day`."""
    if copay_rate_allowed(birth_date, day):
        return None
    end = format_wareki_with_year(copay_period_end(day))
    return (
        f"負担割合は70歳以上の方にのみ指定できます(この方は{end}までに70歳になりません)。"
        "空欄にしてください。"
    )


def joined_after_75(birth_date: date, acquired_on: date) -> str | None:
    """A person cannot join on or after the 75th birthday (後期高齢者医療 from that day)."""
    at_75 = late_elderly_from(birth_date)
    if acquired_on < at_75:
        return None
    return (
        f"資格取得年月日が75歳の誕生日({format_wareki_with_year(at_75)})以後です。"
        "75歳以上の方は後期高齢者医療制度の対象で、健康保険組合には加入できません。"
    )


def lost_at_75(lost_on: date | None, birth_date: date, day: date) -> date | None:
    """The 資格喪失年月日 the import stores instead of the file's, or None to keep the file's:
    the 75th birthday, once it has come by `day`, when the file gives no date or a later one."""
    at_75 = late_elderly_from(birth_date)
    if at_75 > day or (lost_on is not None and lost_on <= at_75):
        return None
    return at_75


def lost_at_75_warning(at_75: date) -> str:
    return (
        f"75歳の誕生日({format_wareki_with_year(at_75)})で資格を喪失したものとして取り込みました"
        "(後期高齢者医療制度へ移行)。"
    )


def outlasts_insured(lost_on: date | None, insured_lost_on: date | None) -> bool:
    """A dependent's 資格喪失年月日 later than the insured person's, or none while theirs is set."""
    if insured_lost_on is None:
        return False
    return lost_on is None or lost_on > insured_lost_on


def outlasts_insured_warning(lost_on: date | None, insured_lost_on: date) -> str:
    insured = format_wareki_with_year(insured_lost_on)
    given = "がありません" if lost_on is None else "が本人より後です"
    return (
        f"資格喪失年月日{given}(本人の資格喪失年月日は{insured})。"
        "被扶養者の資格は本人の資格喪失日に終わるものとして扱います。"
    )
