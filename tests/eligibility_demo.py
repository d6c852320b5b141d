"""The demo roster with its eligibility facts, and what each demo person presents on four days.

EXPECTED is the specification the dashboard tests check: one row per demo person, the primary
document (rules.Primary code) on 2024-12-01, 2025-06-01, 2026-01-15 and 2026-11-26.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from members.models import Member
from portal.dev.demo import load_demo_roster, seed_demo_eligibility

DAYS = ("2024-12-01", "2025-06-01", "2026-01-15", "2026-11-26")
# The tests import the demo roster on this day, so the import's estimated dates are fixed.
LOAD_DAY = "2026-11-26"
MYNA = ("myna_card",) * 4
GONE = ("none",) * 4  # lost eligibility before the first day
EXPECTED: dict[str, tuple[str, str, str, str]] = {
    # 山田 household (the demo member's): registered parents, children on legacy cards
    "1201-1-00": MYNA,
    "1201-1-01": MYNA,
    "1201-1-02": ("legacy_card", "legacy_card", "notice_provisional", "none"),
    "1201-1-03": ("legacy_card", "none", "notice_provisional", "none"),  # card expired 2025-03-31
    "1201-2-00": MYNA,
    "1201-2-01": ("legacy_card", "legacy_card", "notice_provisional", "none"),
    "1201-3-00": GONE,  # left on 2024-09-30
    "1201-3-01": GONE,
    "1201-4-00": MYNA,
    "1202-101-00": MYNA,
    # nothing on record, no legacy card: the provisional measure is not theirs (issue 13)
    "1202-101-01": ("none", "none", "none", "none"),
    "1202-102-00": ("legacy_card", "legacy_card", "notice_provisional", "none"),
    "1202-102-01": MYNA,
    "1202-102-02": GONE,
    "1202-102-03": ("legacy_card", "legacy_card", "certificate", "certificate"),
    "1202-103-00": ("none", "none", "none", "none"),  # joins on 2024-12-02: never had a card
    # card certificate expired 2025-12-10: grace until 2026-03-31
    "1305-21-00": ("myna_card", "myna_card", "myna_card", "none"),
    # 解除 applied 2024-11-10: registration ends 2024-12-31, then the legacy card
    "1305-21-01": ("myna_card", "legacy_card", "notice_provisional", "none"),
    "1305-21-02": ("legacy_card", "legacy_card", "notice_provisional", "none"),
    # 有 in the roster and nothing more: registered by the import day (LOAD_DAY) at the latest,
    # so earlier days are unknown, not unregistered (rules.registration_unknown)
    "1305-22-00": ("myna_unconfirmed",) * 3 + ("myna_card",),
    # aged 70-74: 3割 on file; no 負担割合 on file yet (the 負担割合未登録 worklist)
    "1202-104-00": MYNA,
    "1305-23-00": MYNA,
    # 80: left on the 75th birthday (2021-08-20), derived by the import: 後期高齢者医療
    "1305-24-00": ("late_elderly",) * 4,
}
HOUSEHOLDS = sorted({key.rsplit("-", 1)[0] for key in EXPECTED})


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=ZoneInfo("Asia/Tokyo"))


def member_by_key(key: str) -> Member:
    kigo, bango, edaban = key.split("-")
    return Member.objects.get(kigo=kigo, bango=bango, edaban=edaban)


def key_of(member: Member) -> str:
    return f"{member.kigo}-{member.bango}-{member.edaban}"


def load_demo(time_machine=None) -> None:
    """The demo roster and facts, imported on LOAD_DAY (or today without a time machine)."""
    if time_machine is not None:
        time_machine.move_to(at(LOAD_DAY))
    load_demo_roster()
    seed_demo_eligibility()


def link(user, household: str) -> Member:
    """Make `user` the login of the household `記号-番号` (and of no other)."""
    Member.objects.filter(account=user).update(account=None)
    insured = member_by_key(f"{household}-00")
    insured.account = user
    insured.save(update_fields=["account"])
    return insured


def expected_on(day: str) -> dict[str, str]:
    index = DAYS.index(day)
    return {key: row[index] for key, row in EXPECTED.items()}
