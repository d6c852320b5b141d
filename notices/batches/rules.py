"""Who an elderly batch is for, by birth date. Pure: the 基準日 is an argument.

- 70歳到達 (elderly_start): the members whose 発効期日 is the 基準日, a 1st of a month. Started
  during the month before it (their birthday month), it reaches them by the end of that month.
- 年次更新 (elderly_renewal): everyone aged 70-74 on the 基準日, 1 August, whose 発効期日 has
  come by then; the 75th birthday is the enrolment rule's (members.coverage).
"""

from __future__ import annotations

from datetime import date

from notices import rules
from notices.models import Notice


class TargetError(ValueError):
    """The 基準日 does not fit the reason; the message is for staff."""


def elderly_birth_range(reason: str, as_of: date) -> tuple[date | None, date]:
    """(earliest or None, latest) birth date of the members an elderly batch is for."""
    if reason == Notice.Reason.ELDERLY_START:
        if as_of.day != 1:
            raise TargetError(
                "70歳到達の一括交付の基準日には、発効期日(月の初日。例: 2025-06-01)を"
                "指定してください。"
            )
        return rules.elderly_start_births(as_of)
    if reason == Notice.Reason.ELDERLY_RENEWAL:
        if not rules.is_rate_year_start(as_of):
            raise TargetError("負担割合の年次更新の基準日には、8月1日を指定してください。")
        return None, rules.elderly_born_on_or_before(as_of)
    raise TargetError("交付理由が正しくありません。")
