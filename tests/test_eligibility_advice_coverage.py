"""Issue 13 in the advice: the 75th birthday and dependents leaving with the insured person,
the provisional measure only for a legacy card that expired, registrations of unknown date,
and 要配慮者 holding both documents. Pure tables, as tests/test_eligibility_advice.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eligibility.advice import advise
from eligibility.rules import (
    Document,
    MemberFacts,
    Primary,
    late_elderly_notice_from,
    provisional_measure_applies,
)
from members.coverage import coverage_lost_on
from tests.eligibility_cases import CARD_AND_PHONE, CERT_2025, LEGACY_NO_CARD, D, cert, member
from tests.test_eligibility_advice import Outcome, nothing, outcome, screen

# --- age 75 and dependents: lost_on as eligibility.facts computes it (members.coverage) ------


def person(
    born: str,
    roster_lost: str | None = None,
    *,
    insured: tuple[str | None, str] | None = None,
    base: MemberFacts = CARD_AND_PHONE,
) -> MemberFacts:
    """A person as eligibility.facts builds them: the effective first day without coverage.
    insured: (the insured person's roster 資格喪失年月日, their birth date) for a dependent."""
    lost = coverage_lost_on(
        roster_lost and D(roster_lost),
        D(born),
        insured_lost_on=insured and insured[0] and D(insured[0]),
        insured_birth_date=insured and D(insured[1]),
    )
    return replace(base, birth_date=D(born), lost_on=lost)


def late_elderly(step: str = "late_elderly") -> Outcome:
    return Outcome("late_elderly", None, (), step)


AHEAD = ("late_elderly_ahead",)

AGE_TABLE = [
    # (facts, day, outcome, warnings)
    pytest.param(
        person("1956-06-15"), D("2026-06-14"), screen(None), (), id="69歳: 期限は告げない"
    ),
    pytest.param(
        person("1956-06-15"), D("2026-06-15"), screen(None), (), id="70歳: 期限は告げない"
    ),
    pytest.param(
        person("1951-06-15"), D("2026-04-30"), screen(None), (), id="75歳の前々月末: まだ告げない"
    ),
    pytest.param(
        person("1951-06-15"), D("2026-05-01"), screen("2026-06-14"), AHEAD, id="前月1日から予告"
    ),
    pytest.param(
        person("1951-06-15"), D("2026-06-14"), screen("2026-06-14"), AHEAD, id="75歳の誕生日の前日"
    ),
    pytest.param(person("1951-06-15"), D("2026-06-15"), late_elderly(), (), id="75歳の誕生日"),
    pytest.param(
        person("1951-06-15", "2030-04-01"),
        D("2026-06-15"),
        late_elderly(),
        (),
        id="名簿の喪失日が後でも75歳の誕生日から",
    ),
    pytest.param(
        person("1951-06-15", "2026-06-15"),
        D("2026-06-15"),
        late_elderly(),
        (),
        id="名簿の喪失日が75歳の誕生日",
    ),
    pytest.param(
        person("1951-06-15", "2026-04-01"),
        D("2026-04-01"),
        nothing("join_new_insurer"),
        (),
        id="75歳前に退職: 新しい保険へ",
    ),
    pytest.param(
        person("1951-07-01"), D("2026-06-30"), screen("2026-06-30"), AHEAD, id="1日生まれ: 前日"
    ),
    pytest.param(person("1951-07-01"), D("2026-07-01"), late_elderly(), (), id="1日生まれ: 当日"),
    pytest.param(
        person("1952-02-29"), D("2027-02-27"), screen("2027-02-27"), AHEAD, id="2月29日生まれ: 前日"
    ),
    pytest.param(
        person("1952-02-29"), D("2027-02-28"), late_elderly(), (), id="2月29日生まれ: 2月28日"
    ),
    # A dependent under 75 of an insured person turning 75: leaves with them, like any leaver.
    pytest.param(
        person("1960-01-01", insured=(None, "1951-06-15")),
        D("2026-06-14"),
        screen("2026-06-14"),
        (),
        id="被扶養者: 被保険者の75歳の前日",
    ),
    pytest.param(
        person("1960-01-01", insured=(None, "1951-06-15")),
        D("2026-06-15"),
        nothing("join_new_insurer"),
        (),
        id="被扶養者: 被保険者の75歳の誕生日→新しい保険へ",
    ),
    pytest.param(
        person("2010-05-05", insured=("2026-04-01", "1980-01-01")),
        D("2026-03-31"),
        screen("2026-03-31"),
        (),
        id="被扶養者: 被保険者の退職日まで",
    ),
    pytest.param(
        person("2010-05-05", "2030-04-01", insured=("2026-04-01", "1980-01-01")),
        D("2026-04-01"),
        nothing("join_new_insurer"),
        (),
        id="被扶養者: 被保険者の資格喪失日（名簿の日付が後でも）",
    ),
    pytest.param(
        person("1951-06-15", insured=(None, "1955-01-01")),
        D("2026-06-15"),
        late_elderly(),
        (),
        id="被扶養者自身の75歳",
    ),
]


@pytest.mark.parametrize(("facts", "day", "expected", "warnings"), AGE_TABLE)
def test_advice_at_75_and_for_dependents(facts, day, expected, warnings):
    advice = advise(facts, day)
    assert outcome(advice) == expected
    assert tuple(r.code for r in advice.warnings if r.code == "late_elderly_ahead") == warnings


def test_at_75_the_advice_points_to_the_municipality():
    facts = person("1951-06-15", base=replace(LEGACY_NO_CARD, certificate=CERT_2025))
    advice = advise(facts, D("2026-06-15"))
    assert advice.primary is Primary.LATE_ELDERLY and not advice.shows_validity
    text = advice.next_step.text
    assert "令和8年6月15日（75歳の誕生日）から" in text and "後期高齢者医療制度" in text
    assert "マイナ保険証は、後期高齢者医療制度での登録が済めば引き続き使えます" in text
    assert "後期高齢者医療広域連合・市区町村から届く資格確認書" in text
    assert "当組合の書類は使えません" in text and "返却してください" in text
    assert "国民健康保険" not in text
    invalid = {item.document: item.reason for item in advice.invalid}
    assert set(invalid) == {Document.NOTICE, Document.LEGACY_CARD, Document.CERTIFICATE}
    assert all("後期高齢者医療制度に移った" in reason for reason in invalid.values())
    (ahead,) = advise(facts, D("2026-06-14")).warnings
    assert "令和8年6月15日（75歳の誕生日）から" in ahead.text
    assert "当組合の書類は令和8年6月14日まで使えます" in ahead.text


def test_a_dependent_leaving_with_a_75_year_old_is_told_to_join_another_insurance():
    facts = person("1960-01-01", insured=(None, "1951-06-15"))
    text = advise(facts, D("2026-06-15")).next_step.text
    assert "国民健康保険" in text and "ご家族の健康保険の被扶養者" in text
    assert "後期高齢者医療" not in text
    assert "マイナ保険証は、加入先での手続きが済めば引き続き使えます" in text


@pytest.mark.parametrize(
    ("born", "first_day"),
    [
        pytest.param("1951-06-15", "2026-05-01", id="6月15日生まれ→5月1日"),
        pytest.param("1951-07-01", "2026-06-01", id="7月1日生まれ→6月1日"),
        pytest.param("1951-01-20", "2025-12-01", id="1月生まれ→前年12月1日"),
    ],
)
def test_late_elderly_notice_from(born, first_day):
    assert late_elderly_notice_from(D(born)) == D(first_day)


# --- the provisional measure: only for a legacy card that expired ----------------------------

NEW_ENROLEE = member(acquired_on=D("2025-01-06"), has_card=False)
EXPIRED_CERT = replace(NEW_ENROLEE, certificate=cert("2025-01-06", "2025-12-31"))
OLD_NO_LEGACY = member(has_card=False)  # joined before the reform, no legacy card on record
IMPOSSIBLE_CARD = replace(LEGACY_NO_CARD, acquired_on=D("2024-12-02"))

PROVISIONAL_TABLE = [
    # (facts, day, applies, primary)
    pytest.param(LEGACY_NO_CARD, "2025-12-01", False, "legacy_card", id="保険証: 最終日"),
    pytest.param(LEGACY_NO_CARD, "2025-12-02", True, "notice_provisional", id="保険証切れ: 初日"),
    pytest.param(LEGACY_NO_CARD, "2026-03-31", True, "notice_provisional", id="保険証切れ: 最終日"),
    pytest.param(LEGACY_NO_CARD, "2026-04-01", False, "none", id="保険証切れ: 終了後"),
    pytest.param(
        replace(LEGACY_NO_CARD, legacy_card_expires_on=D("2025-09-30")),
        "2025-12-02",
        True,
        "notice_provisional",
        id="券面の期限切れ: 暫定の対象",
    ),
    pytest.param(NEW_ENROLEE, "2025-12-02", False, "none", id="新規加入者（保険証なし）: 初日"),
    pytest.param(NEW_ENROLEE, "2026-03-31", False, "none", id="新規加入者（保険証なし）: 最終日"),
    pytest.param(OLD_NO_LEGACY, "2026-01-15", False, "none", id="改正前の加入でも保険証の記録なし"),
    pytest.param(IMPOSSIBLE_CARD, "2026-01-15", False, "none", id="改正後の加入者の保険証は対象外"),
    pytest.param(EXPIRED_CERT, "2025-12-31", False, "certificate", id="資格確認書: 有効期限の当日"),
    pytest.param(EXPIRED_CERT, "2026-01-01", False, "none", id="資格確認書の期限切れは対象外"),
    pytest.param(
        replace(LEGACY_NO_CARD, certificate=cert("2025-01-06", "2025-12-31")),
        "2026-01-01",
        True,
        "notice_provisional",
        id="期限切れの保険証と資格確認書: 保険証で対象",
    ),
]


@pytest.mark.parametrize(("facts", "day", "applies", "primary"), PROVISIONAL_TABLE)
def test_the_provisional_measure_needs_an_expired_legacy_card(facts, day, applies, primary):
    assert provisional_measure_applies(facts, D(day)) is applies
    advice = advise(facts, D(day))
    assert advice.primary.code == primary
    if primary == "none":
        assert "provisional_measure" not in {r.code for r in advice.warnings}
        notice = {i.document: i.reason for i in advice.invalid}[Document.NOTICE]
        assert "暫定的な取扱い" not in notice or facts.legacy_card_issued


def test_a_new_enrolee_is_not_told_about_the_provisional_measure():
    advice = advise(NEW_ENROLEE, D("2026-01-15"))
    assert advice.next_step.code == "get_card_or_certificate"
    assert all("暫定" not in item.reason for item in advice.invalid)
    assert [r.code for r in advice.warnings] == ["no_valid_document"]
