"""What a person brings to the clinic on a given day (eligibility.rules): the tables below are
the specification. Pure functions: no database, no clock.

Dates used throughout:
  2024-12-02  legacy cards no longer issued (MYNA_HOKENSHO_START)
  2025-12-01  last day any legacy card is valid (LEGACY_CARD_END, inclusive)
  2025-12-02 .. 2026-03-31  provisional measure: expired card or お知らせ accepted
  lost_on     資格喪失年月日, the first day without coverage
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import timedelta

import pytest

from eligibility import advice as advice_module
from eligibility import rules
from eligibility.advice import advise
from eligibility.rules import (
    LEGACY_CARD_END,
    MYNA_HOKENSHO_START,
    PROVISIONAL_MEASURE_END,
    PROVISIONAL_MEASURE_START,
    Document,
    Primary,
    card_certificate_grace_end,
    card_certificate_usable,
    certificate_valid,
    end_of_following_month,
    is_enrolled,
    legacy_card_valid,
    registration_active,
)
from tests.eligibility_cases import (
    CARD_AND_PHONE,
    CERT_2025,
    LEGACY_NO_CARD,
    MEMBER,
    REGISTERED,
    D,
    cancelled,
    cert,
    member,
)

# --- the helpers, one table each -------------------------------------------------------------


@pytest.mark.parametrize(
    ("applied", "last_day"),
    [
        pytest.param("2025-01-15", "2025-02-28", id="1月申請→2月末（平年）"),
        pytest.param("2024-01-31", "2024-02-29", id="1月申請→2月29日（閏年）"),
        pytest.param("2028-01-01", "2028-02-29", id="1月1日申請→2月29日（閏年）"),
        pytest.param("2100-01-10", "2100-02-28", id="2100年は閏年でない"),
        pytest.param("2000-01-10", "2000-02-29", id="2000年は閏年"),
        pytest.param("2024-12-02", "2025-01-31", id="12月申請→翌年1月末"),
        pytest.param("2024-12-31", "2025-01-31", id="12月31日申請→翌年1月末"),
        pytest.param("2024-02-29", "2024-03-31", id="閏日申請→3月末"),
        pytest.param("2025-03-31", "2025-04-30", id="31日申請→30日までの月"),
        pytest.param("2025-11-30", "2025-12-31", id="11月末申請→12月末"),
    ],
)
def test_end_of_following_month(applied, last_day):
    assert end_of_following_month(D(applied)) == D(last_day)


@pytest.mark.parametrize(
    ("facts", "day", "expected"),
    [
        pytest.param(member(acquired_on=D("2024-04-01")), "2024-03-31", False, id="取得日の前日"),
        pytest.param(member(acquired_on=D("2024-04-01")), "2024-04-01", True, id="資格取得日"),
        pytest.param(
            member(lost_on=D("2025-04-01")), "2025-03-31", True, id="退職日（喪失日の前日）"
        ),
        pytest.param(member(lost_on=D("2025-04-01")), "2025-04-01", False, id="資格喪失日"),
        pytest.param(MEMBER, "2099-12-31", True, id="喪失日なし"),
    ],
)
def test_is_enrolled(facts, day, expected):
    assert is_enrolled(facts, D(day)) is expected


@pytest.mark.parametrize(
    ("facts", "day", "expected"),
    [
        pytest.param(CARD_AND_PHONE, "2023-05-09", False, id="登録日の前日"),
        pytest.param(CARD_AND_PHONE, "2023-05-10", True, id="登録日"),
        pytest.param(MEMBER, "2026-06-01", False, id="未登録"),
        pytest.param(cancelled("2025-01-15"), "2025-02-28", True, id="解除: 翌月末まで有効"),
        pytest.param(cancelled("2025-01-15"), "2025-03-01", False, id="解除: 翌々月1日から無効"),
        pytest.param(cancelled("2024-12-20"), "2025-01-31", True, id="12月解除: 1月31日まで"),
        pytest.param(cancelled("2024-12-20"), "2025-02-01", False, id="12月解除: 2月1日から無効"),
        pytest.param(cancelled("2024-01-10"), "2024-02-29", True, id="解除（閏年）: 2月29日まで"),
        pytest.param(
            cancelled("2024-01-10"), "2024-03-01", False, id="解除（閏年）: 3月1日から無効"
        ),
        pytest.param(cancelled("2027-01-31"), "2027-02-28", True, id="解除（平年）: 2月28日まで"),
        pytest.param(
            cancelled("2027-01-31"), "2027-03-01", False, id="解除（平年）: 3月1日から無効"
        ),
        pytest.param(
            cancelled("2024-06-10", registered_on=D("2025-01-05")),
            "2026-06-01",
            True,
            id="解除の後に再登録: 解除は前の登録のもの",
        ),
        pytest.param(
            member(registration_cancelled_on=D("2025-01-15")),
            "2025-01-20",
            False,
            id="登録なしの解除",
        ),
    ],
)
def test_registration_active(facts, day, expected):
    assert registration_active(facts, D(day)) is expected


@pytest.mark.parametrize(
    ("expires", "day", "expected"),
    [
        pytest.param("2026-05-20", "2026-05-20", True, id="有効期限の当日"),
        pytest.param("2026-05-20", "2026-05-21", True, id="期限の翌日: 猶予に入る"),
        pytest.param("2026-05-20", "2026-08-31", True, id="猶予の最終日（期限の月末から3か月）"),
        pytest.param("2026-05-20", "2026-09-01", False, id="猶予の翌日"),
        pytest.param("2027-11-14", "2028-02-29", True, id="猶予が閏年の2月29日まで"),
        pytest.param("2027-11-14", "2028-03-01", False, id="閏年の猶予の翌日"),
        pytest.param("2026-11-30", "2027-02-28", True, id="猶予が平年の2月28日まで"),
        pytest.param("2026-11-30", "2027-03-01", False, id="平年の猶予の翌日"),
        pytest.param("2026-01-31", "2026-04-30", True, id="31日満了→4月30日まで"),
        pytest.param("2026-10-05", "2027-01-31", True, id="年をまたぐ猶予"),
        pytest.param("2026-10-05", "2027-02-01", False, id="年をまたぐ猶予の翌日"),
        pytest.param(None, "2099-12-31", True, id="有効期限が不明なら使える"),
    ],
)
def test_card_certificate_usable(expires, day, expected):
    facts = replace(CARD_AND_PHONE, card_certificate_expires_on=expires and D(expires))
    assert card_certificate_usable(facts, D(day)) is expected


def test_grace_end_is_the_end_of_the_third_month_after_expiry():
    assert card_certificate_grace_end(D("2026-11-14")) == D("2027-02-28")


@pytest.mark.parametrize(
    ("facts", "day", "expected"),
    [
        pytest.param(MEMBER, "2025-06-01", False, id="保険証なし"),
        pytest.param(LEGACY_NO_CARD, "2025-11-30", True, id="最終日の前日"),
        pytest.param(LEGACY_NO_CARD, "2025-12-01", True, id="2025-12-01は有効な最終日"),
        pytest.param(LEGACY_NO_CARD, "2025-12-02", False, id="2025-12-02から無効"),
        pytest.param(
            member(legacy_card_issued=True, legacy_card_expires_on=D("2025-09-30")),
            "2025-09-30",
            True,
            id="券面の有効期限の当日",
        ),
        pytest.param(
            member(legacy_card_issued=True, legacy_card_expires_on=D("2025-09-30")),
            "2025-10-01",
            False,
            id="券面の有効期限の翌日",
        ),
        pytest.param(
            member(legacy_card_issued=True, legacy_card_expires_on=D("2026-03-31")),
            "2025-12-02",
            False,
            id="券面の期限が後でも2025-12-01まで",
        ),
        pytest.param(
            member(legacy_card_issued=True, lost_on=D("2025-07-01")),
            "2025-06-30",
            True,
            id="退職日まで有効",
        ),
        pytest.param(
            member(legacy_card_issued=True, lost_on=D("2025-07-01")),
            "2025-07-01",
            False,
            id="資格喪失日（退職日の翌日）から無効",
        ),
        pytest.param(
            member(acquired_on=D("2024-12-01"), legacy_card_issued=True),
            "2024-12-01",
            True,
            id="2024-12-01加入: 保険証は発行された",
        ),
        pytest.param(
            member(acquired_on=D("2024-12-02"), legacy_card_issued=True),
            "2024-12-02",
            False,
            id="2024-12-02加入: 保険証は発行されない",
        ),
        pytest.param(
            member(acquired_on=D("2024-11-01"), legacy_card_issued=True),
            "2024-10-31",
            False,
            id="資格取得日の前",
        ),
    ],
)
def test_legacy_card_valid(facts, day, expected):
    assert legacy_card_valid(facts, D(day)) is expected


@pytest.mark.parametrize(
    ("certificate", "lost_on", "day", "expected"),
    [
        pytest.param(None, None, "2026-06-01", False, id="資格確認書なし"),
        pytest.param(CERT_2025, None, "2025-12-01", False, id="有効期間の前日"),
        pytest.param(CERT_2025, None, "2025-12-02", True, id="有効期間の初日"),
        pytest.param(CERT_2025, None, "2030-11-30", True, id="有効期限の当日"),
        pytest.param(CERT_2025, None, "2030-12-01", False, id="有効期限の翌日"),
        pytest.param(
            cert("2025-12-02", "2030-11-30", returned_on="2027-01-10"),
            None,
            "2027-01-09",
            True,
            id="返却の前日",
        ),
        pytest.param(
            cert("2025-12-02", "2030-11-30", returned_on="2027-01-10"),
            None,
            "2027-01-10",
            False,
            id="返却日から無効",
        ),
        pytest.param(
            cert("2025-12-02", "2030-11-30", revoked_on="2027-01-10"),
            None,
            "2027-01-10",
            False,
            id="無効化の日から無効",
        ),
        pytest.param(CERT_2025, "2027-04-01", "2027-03-31", True, id="資格喪失の前日"),
        pytest.param(CERT_2025, "2027-04-01", "2027-04-01", False, id="資格喪失日"),
    ],
)
def test_certificate_valid(certificate, lost_on, day, expected):
    facts = member(certificate=certificate, lost_on=lost_on and D(lost_on))
    assert certificate_valid(facts, D(day)) is expected


# --- invariants over every day of the transition ------------------------------------------------

PERSONAS = [
    MEMBER,
    CARD_AND_PHONE,
    member(**REGISTERED, has_smartphone=False, legacy_card_issued=True),
    LEGACY_NO_CARD,
    replace(LEGACY_NO_CARD, legacy_card_expires_on=D("2025-06-30"), lost_on=D("2026-02-01")),
    cancelled("2025-10-20", certificate=cert("2025-12-01", "2030-11-30")),
    replace(CARD_AND_PHONE, card_certificate_expires_on=D("2025-08-10")),
    member(
        acquired_on=D("2025-01-06"), has_card=False, certificate=cert("2025-01-06", "2026-01-05")
    ),
    replace(CARD_AND_PHONE, certificate=CERT_2025),  # inconsistent on purpose
]
_DOCUMENT_OF = {
    Primary.MYNA_PORTAL_SCREEN: Document.MYNA_CARD,
    Primary.MYNA_CARD_WITH_NOTICE: Document.MYNA_CARD,
    Primary.MYNA_CARD: Document.MYNA_CARD,
    Primary.CERTIFICATE: Document.CERTIFICATE,
    Primary.LEGACY_CARD: Document.LEGACY_CARD,
    Primary.NOTICE_PROVISIONAL: Document.NOTICE,
    Primary.MYNA_UNCONFIRMED: Document.MYNA_CARD,
}


@pytest.mark.parametrize("facts", PERSONAS)
def test_every_day_of_the_transition_gives_coherent_advice(facts):
    day = MYNA_HOKENSHO_START - timedelta(days=10)
    while day <= PROVISIONAL_MEASURE_END + timedelta(days=10):
        advice = advise(facts, day)
        assert advice.day == day
        assert advice.validity is None or advice.validity >= day
        if advice.primary in {Primary.NONE, Primary.LATE_ELDERLY}:
            assert advice.validity is None
            assert advice.next_step is not None
        else:
            assert is_enrolled(facts, day)
            invalid = {item.document for item in advice.invalid}
            assert _DOCUMENT_OF[advice.primary] not in invalid
            assert not invalid & set(advice.backups)
        day += timedelta(days=1)


def test_the_dates_of_the_reform():
    # LEGACY_CARD_END is the last valid day, not the first invalid one.
    expected = [D("2024-12-02"), D("2025-12-01"), D("2025-12-02"), D("2026-03-31")]
    constants = [
        MYNA_HOKENSHO_START,
        LEGACY_CARD_END,
        PROVISIONAL_MEASURE_START,
        PROVISIONAL_MEASURE_END,
    ]
    assert constants == expected


def test_codes_are_stable_strings_with_japanese_labels():
    assert [primary.code for primary in Primary] == [
        "myna_portal_screen",
        "myna_card_with_notice",
        "myna_card",
        "certificate",
        "legacy_card",
        "notice_provisional",
        "myna_unconfirmed",
        "none",
        "late_elderly",
    ]
    assert Primary("certificate") is Primary.CERTIFICATE
    assert Primary.CERTIFICATE == "certificate"  # templates compare with plain strings
    assert Primary.LEGACY_CARD.label == "健康保険証（従来の保険証）"
    assert all(item.label for enum in (Primary, Document) for item in enum)


@pytest.mark.parametrize("module", [rules, advice_module])
def test_the_rules_never_read_the_clock_or_the_database(module):
    source = inspect.getsource(module)
    assert "today(" not in source
    assert "now(" not in source
    assert "django" not in source
