"""Issue 13 in the advice, continued: a roster 有/解除 without a date (registration of unknown
date: rules.registration_unknown) and a 要配慮者 holding both a 資格確認書 and a registration."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from eligibility.advice import advise
from eligibility.rules import (
    LEGACY_CARD_END,
    MYNA_HOKENSHO_START,
    PROVISIONAL_MEASURE_END,
    Document,
    Primary,
    is_enrolled,
    registration_active,
    registration_unknown,
)
from tests.eligibility_cases import CARD_AND_PHONE, CERT_2025, MEMBER, D, member
from tests.test_eligibility_advice import Outcome, nothing, outcome, screen

# The roster said 有 on 2026-11-26 and nothing more: registered by that day at the latest.
IMPORTED = D("2026-11-26")
ROSTER_YES = member(registered_on=IMPORTED, registered_on_estimated=True, has_smartphone=True)
# The roster said 解除 on 2026-11-26 of a registration dated 2023-05-10 (known).
ROSTER_CANCEL = replace(
    CARD_AND_PHONE, registration_cancelled_on=IMPORTED, cancellation_estimated=True
)
# The roster said 解除 with nothing on record: both dates are the import day.
ROSTER_CANCEL_ONLY = replace(ROSTER_CANCEL, registered_on=IMPORTED, registered_on_estimated=True)


def unconfirmed(step: str = "confirm_registration", call: str | None = None) -> Outcome:
    return Outcome("myna_unconfirmed", None, (), step, call)


AWAIT = ("await_certificate", "business")

ESTIMATE_TABLE = [
    # (facts, day, unknown, active, outcome)
    pytest.param(ROSTER_YES, "2026-11-25", True, False, unconfirmed(), id="有: 取込日の前日は不明"),
    pytest.param(ROSTER_YES, "2024-12-01", True, False, unconfirmed(), id="有: ずっと前も不明"),
    pytest.param(ROSTER_YES, "2026-11-26", False, True, screen(), id="有: 取込日から登録済み"),
    pytest.param(
        replace(ROSTER_YES, registered_on_estimated=False),
        "2026-11-25",
        False,
        False,
        nothing("register_myna_hokensho"),
        id="登録日が確かなら前日は未登録",
    ),
    pytest.param(
        replace(ROSTER_YES, legacy_card_issued=True),
        "2025-06-01",
        True,
        False,
        Outcome("legacy_card", LEGACY_CARD_END, (), "confirm_registration"),
        id="有・保険証あり: 保険証、登録を促さない",
    ),
    pytest.param(
        replace(ROSTER_YES, legacy_card_issued=True),
        "2026-01-15",
        True,
        False,
        unconfirmed(),
        id="有・保険証切れ: 暫定より登録の確認",
    ),
    pytest.param(
        replace(ROSTER_YES, certificate=CERT_2025),
        "2026-01-15",
        True,
        False,
        Outcome("certificate", D("2030-11-30")),
        id="有・資格確認書: 資格確認書",
    ),
    # 解除 without a date: surely counted to the end of the month after registering.
    pytest.param(
        ROSTER_CANCEL, "2023-06-30", False, True, screen("2026-12-31"), id="解除: 登録の翌月末"
    ),
    pytest.param(
        ROSTER_CANCEL, "2023-07-01", True, False, unconfirmed(*AWAIT), id="解除: その翌日から不明"
    ),
    pytest.param(
        ROSTER_CANCEL, "2026-12-31", True, False, unconfirmed(*AWAIT), id="解除: 取込の翌月末も不明"
    ),
    pytest.param(
        ROSTER_CANCEL, "2027-01-01", False, False, nothing(*AWAIT), id="解除: その翌日から使えない"
    ),
    pytest.param(
        replace(ROSTER_CANCEL, cancellation_estimated=False),
        "2026-12-31",
        False,
        True,
        screen("2026-12-31"),
        id="解除日が確かなら翌月末まで使える",
    ),
    pytest.param(
        ROSTER_CANCEL_ONLY, "2026-11-25", True, False, unconfirmed(*AWAIT), id="解除のみ: 前日"
    ),
    pytest.param(
        ROSTER_CANCEL_ONLY, "2026-12-31", True, False, unconfirmed(*AWAIT), id="解除のみ: 翌月末"
    ),
    pytest.param(
        ROSTER_CANCEL_ONLY, "2027-01-01", False, False, nothing(*AWAIT), id="解除のみ: 翌々月"
    ),
]


@pytest.mark.parametrize(("facts", "day", "unknown", "active", "expected"), ESTIMATE_TABLE)
def test_a_registration_of_unknown_date(facts, day, unknown, active, expected):
    assert registration_unknown(facts, D(day)) is unknown
    assert registration_active(facts, D(day)) is active
    assert outcome(advise(facts, D(day))) == expected


def test_an_unknown_day_is_not_called_unregistered():
    advice = advise(ROSTER_YES, D("2026-11-25"))
    assert not advice.shows_validity and not advice.warnings
    assert "令和8年11月26日の時点で登録済み" in advice.next_step.text
    assert "マイナポータル" in advice.next_step.text
    assert Document.MYNA_CARD not in {item.document for item in advice.invalid}
    assert "利用登録してください" not in advice.next_step.text


def test_an_unknown_cancellation_date_gives_the_latest_end():
    (warning,) = advise(ROSTER_CANCEL, D("2026-12-01")).warnings
    assert warning.code == "cancellation_date_unknown"
    assert "令和8年11月26日の時点で解除の申請を確認" in warning.text
    assert "遅くとも令和8年12月31日で使えなくなります" in warning.text


@pytest.mark.parametrize("facts", [ROSTER_YES, ROSTER_CANCEL, ROSTER_CANCEL_ONLY])
def test_every_day_around_an_estimate_gives_coherent_advice(facts):
    day = MYNA_HOKENSHO_START
    while day <= IMPORTED + timedelta(days=70):
        advice = advise(facts, day)
        assert is_enrolled(facts, day)
        if advice.primary is Primary.MYNA_UNCONFIRMED:
            assert registration_unknown(facts, day)
            assert advice.next_step.code in {"confirm_registration", "await_certificate"}
        assert advice.next_step is None or advice.next_step.code != "register_myna_hokensho"
        if registration_unknown(facts, day):
            assert Document.MYNA_CARD not in {item.document for item in advice.invalid}
        day += timedelta(days=7 if day < PROVISIONAL_MEASURE_END else 1)


# --- 要配慮者: a 資格確認書 while keeping the registration is not an inconsistency -------------

ASSISTED = replace(CERT_2025, needs_assistance=True)


@pytest.mark.parametrize(
    ("facts", "codes"),
    [
        pytest.param(
            replace(CARD_AND_PHONE, certificate=CERT_2025),
            ("registration_and_certificate",),
            id="通常の交付: 矛盾",
        ),
        pytest.param(replace(CARD_AND_PHONE, certificate=ASSISTED), (), id="要配慮者: 矛盾なし"),
        pytest.param(member(has_card=False, certificate=ASSISTED), (), id="要配慮者・登録なし"),
        pytest.param(replace(MEMBER, certificate=ASSISTED), (), id="要配慮者・カード不明"),
    ],
)
def test_a_person_needing_assistance_may_hold_both(facts, codes):
    advice = advise(facts, D("2026-06-01"))
    assert tuple(remark.code for remark in advice.inconsistencies) == codes
    assert advice.primary is Primary.CERTIFICATE


def test_a_person_needing_assistance_keeps_the_myna_card_as_backup():
    advice = advise(replace(CARD_AND_PHONE, certificate=ASSISTED), D("2026-06-01"))
    assert advice.backups == (Document.MYNA_CARD,) and not advice.needs_staff_review
    # The certificate's own end still counts: the day after, the マイナ保険証 alone.
    after = advise(replace(CARD_AND_PHONE, certificate=ASSISTED), D("2030-12-01"))
    assert after.primary is Primary.MYNA_PORTAL_SCREEN and not after.inconsistencies
