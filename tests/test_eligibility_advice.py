"""What eligibility.advice tells a person to present on a given day: the main table.

Dates as in tests/test_eligibility_rules.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from eligibility.advice import advise
from eligibility.rules import (
    ClinicAdvice,
)
from tests.eligibility_cases import (
    AFTER_EVERYTHING,
    CARD_AND_PHONE,
    CERT_2025,
    LEGACY_NO_CARD,
    REGISTERED,
    D,
    cancelled,
    cert,
    member,
)

# --- advise: what to present, until when, what backs it up, what to do next -------------------


@dataclass(frozen=True)
class Outcome:
    primary: str
    until: date | None = None
    backups: tuple[str, ...] = ()
    next_step: str | None = None
    call: str | None = None


def outcome(advice: ClinicAdvice) -> Outcome:
    step = advice.next_step
    return Outcome(
        primary=advice.primary.code,
        until=advice.validity,
        backups=tuple(document.code for document in advice.backups),
        next_step=step.code if step else None,
        call=step.call.code if step and step.call else None,
    )


SCREEN = ("myna_portal_screen",)
TO_CALL_INSURER = ("contact_insurer_for_certificate", "business")


def screen(until: str | None = None, step: str = "download_myna_portal_screen") -> Outcome:
    return Outcome("myna_portal_screen", until and D(until), SCREEN, step)


def legacy(until: str = "2025-12-01", step: str = "get_card_or_certificate") -> Outcome:
    return Outcome("legacy_card", D(until), (), step)


def provisional(
    until: str = "2026-03-31", step: str = "get_card_or_certificate", call: str | None = None
) -> Outcome:
    return Outcome("notice_provisional", D(until), (), step, call)


def nothing(step: str, call: str | None = None) -> Outcome:
    return Outcome("none", None, (), step, call)


def certificate(until: str) -> Outcome:
    return Outcome("certificate", D(until))


ADVICE_TABLE = [
    # The letter's flowchart, on a day past every transition.
    pytest.param(CARD_AND_PHONE, AFTER_EVERYTHING, screen(), id="1: カードとスマホ→資格情報画面"),
    pytest.param(
        member(**REGISTERED, has_smartphone=False),
        AFTER_EVERYTHING,
        Outcome("myna_card_with_notice", None, ("notice",), "carry_notice_cutout"),
        id="2: カードあり・スマホなし→お知らせの切り取りと一緒に",
    ),
    pytest.param(
        member(**REGISTERED),
        AFTER_EVERYTHING,
        Outcome("myna_card", None, ("myna_portal_screen", "notice"), "prepare_backup"),
        id="スマホの有無が未回答→どちらかを用意",
    ),
    pytest.param(
        member(registered_on=D("2023-05-10"), has_smartphone=True),
        AFTER_EVERYTHING,
        screen(),
        id="カードの有無が未回答でも登録済ならカードあり",
    ),
    pytest.param(
        member(has_card=True),
        AFTER_EVERYTHING,
        nothing("register_myna_hokensho"),
        id="カードあり・未登録→利用登録",
    ),
    pytest.param(
        member(has_card=False, certificate=CERT_2025),
        AFTER_EVERYTHING,
        certificate("2030-11-30"),
        id="3: カードなし・資格確認書あり→資格確認書",
    ),
    pytest.param(
        member(has_card=False),
        AFTER_EVERYTHING,
        nothing(*TO_CALL_INSURER),
        id="3: 改正前からの加入者が何も持っていない→業務課へ電話",
    ),
    pytest.param(
        member(acquired_on=D("2025-04-01"), has_card=False),
        AFTER_EVERYTHING,
        nothing("get_card_or_certificate"),
        id="3: 改正後の加入・カードなし→事業所を通じて資格確認書",
    ),
    pytest.param(
        member(acquired_on=D("2025-04-01")),
        AFTER_EVERYTHING,
        nothing("register_or_get_card"),
        id="3: 改正後の加入・カードの有無が未回答→登録かカード取得",
    ),
    pytest.param(
        member(registered_on=D("2023-05-10"), has_card=False),
        AFTER_EVERYTHING,
        nothing(*TO_CALL_INSURER),
        id="登録済でもカードが手元にない→使えない",
    ),
    # The legacy card: 2024-12-01/02, 2025-11-30/12-01/12-02, 2026-03-31/04-01.
    pytest.param(LEGACY_NO_CARD, D("2024-12-01"), legacy(), id="保険証: 2024-12-01"),
    pytest.param(LEGACY_NO_CARD, D("2024-12-02"), legacy(), id="保険証: 2024-12-02も使える"),
    pytest.param(LEGACY_NO_CARD, D("2025-11-30"), legacy(), id="保険証: 2025-11-30"),
    pytest.param(LEGACY_NO_CARD, D("2025-12-01"), legacy(), id="保険証: 最終日2025-12-01"),
    pytest.param(LEGACY_NO_CARD, D("2025-12-02"), provisional(), id="暫定: 2025-12-02から"),
    pytest.param(LEGACY_NO_CARD, D("2026-03-31"), provisional(), id="暫定: 最終日2026-03-31"),
    pytest.param(LEGACY_NO_CARD, D("2026-04-01"), nothing(*TO_CALL_INSURER), id="暫定の終了後"),
    pytest.param(
        replace(LEGACY_NO_CARD, has_card=True),
        D("2025-06-01"),
        legacy(step="register_myna_hokensho"),
        id="保険証・カードあり未登録→利用登録",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, has_card=None),
        D("2025-06-01"),
        legacy(step="register_or_get_card"),
        id="保険証・カードの有無が未回答",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, legacy_card_expires_on=D("2025-09-30")),
        D("2025-09-30"),
        legacy(until="2025-09-30"),
        id="券面の有効期限の当日",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, legacy_card_expires_on=D("2025-09-30")),
        D("2025-10-01"),
        nothing(*TO_CALL_INSURER),
        id="券面の期限切れ（暫定の開始前）→何もない",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, legacy_card_expires_on=D("2025-09-30")),
        D("2025-12-02"),
        provisional(),
        id="券面の期限切れも暫定の対象",
    ),
    pytest.param(
        replace(CARD_AND_PHONE, legacy_card_issued=True),
        D("2025-12-01"),
        Outcome(
            "myna_portal_screen", None, (*SCREEN, "legacy_card"), "download_myna_portal_screen"
        ),
        id="登録済: 2025-12-01までは保険証も予備",
    ),
    pytest.param(
        replace(CARD_AND_PHONE, legacy_card_issued=True),
        D("2025-12-02"),
        screen(),
        id="登録済: 2025-12-02から保険証は予備でない",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, acquired_on=D("2024-12-01")),
        D("2025-06-01"),
        legacy(),
        id="2024-12-01加入: 保険証あり",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, acquired_on=D("2024-12-02")),
        D("2025-06-01"),
        nothing("get_card_or_certificate"),
        id="2024-12-02加入: 保険証はあり得ない",
    ),
    # Cancelling the registration (利用登録解除): counts until the end of the following month.
    pytest.param(cancelled("2026-05-15"), D("2026-06-30"), screen("2026-06-30"), id="解除: 翌月末"),
    pytest.param(
        cancelled("2026-05-15"),
        D("2026-07-01"),
        nothing("await_certificate", "business"),
        id="解除: 翌々月1日→資格確認書を待つ",
    ),
    pytest.param(
        cancelled("2025-12-10"), D("2026-01-31"), screen("2026-01-31"), id="12月解除: 1月31日まで"
    ),
    pytest.param(
        cancelled("2025-12-10"),
        D("2026-02-01"),
        nothing("await_certificate", "business"),
        id="12月解除: 2月1日、保険証がなかったので暫定の対象外",
    ),
    pytest.param(
        cancelled("2025-12-10", legacy_card_issued=True),
        D("2026-02-01"),
        provisional(step="await_certificate", call="business"),
        id="12月解除: 2月1日、期限切れの保険証があれば暫定の取扱い中",
    ),
    pytest.param(
        cancelled("2028-01-31"), D("2028-02-29"), screen("2028-02-29"), id="解除（閏年）: 2月29日"
    ),
    pytest.param(
        cancelled("2028-01-31"),
        D("2028-03-01"),
        nothing("await_certificate", "business"),
        id="解除（閏年）: 3月1日",
    ),
    pytest.param(
        cancelled("2026-01-15", certificate=cert("2026-03-01", "2031-02-28")),
        D("2026-03-01"),
        certificate("2031-02-28"),
        id="解除の後は資格確認書",
    ),
    # The card's electronic certificate: 3 months' grace to the end of the month.
    pytest.param(
        replace(CARD_AND_PHONE, card_certificate_expires_on=D("2026-05-20")),
        D("2026-05-20"),
        screen("2026-08-31"),
        id="電子証明書: 有効期限の当日",
    ),
    pytest.param(
        replace(CARD_AND_PHONE, card_certificate_expires_on=D("2026-05-20")),
        D("2026-05-21"),
        screen("2026-08-31", step="renew_card_certificate"),
        id="電子証明書: 猶予の初日→更新を",
    ),
    pytest.param(
        replace(CARD_AND_PHONE, card_certificate_expires_on=D("2026-05-20")),
        D("2026-08-31"),
        screen("2026-08-31", step="renew_card_certificate"),
        id="電子証明書: 猶予の最終日",
    ),
    pytest.param(
        replace(CARD_AND_PHONE, card_certificate_expires_on=D("2026-05-20")),
        D("2026-09-01"),
        nothing("renew_card_certificate"),
        id="電子証明書: 猶予の翌日→使えない",
    ),
    pytest.param(
        cancelled("2026-06-03", card_certificate_expires_on=D("2026-05-20")),
        D("2026-06-10"),
        screen("2026-07-31"),
        id="電子証明書: 猶予中でも解除するなら更新は促さない",
    ),
    # 資格確認書: valid_from..valid_to inclusive, until returned or revoked.
    pytest.param(
        member(has_card=False, certificate=CERT_2025),
        D("2030-11-30"),
        certificate("2030-11-30"),
        id="資格確認書: 有効期限の当日",
    ),
    pytest.param(
        member(has_card=False, certificate=CERT_2025),
        D("2030-12-01"),
        nothing(*TO_CALL_INSURER),
        id="資格確認書: 有効期限の翌日",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, certificate=cert("2026-04-01", "2031-03-31")),
        D("2026-03-31"),
        provisional(),
        id="資格確認書: 有効期間の前日は暫定の取扱い",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, certificate=cert("2026-04-01", "2031-03-31")),
        D("2026-04-01"),
        certificate("2031-03-31"),
        id="資格確認書: 有効期間の初日",
    ),
    pytest.param(
        member(
            has_card=False, certificate=cert("2025-12-02", "2030-11-30", returned_on="2027-01-10")
        ),
        D("2027-01-09"),
        certificate("2027-01-09"),
        id="資格確認書: 返却の前日まで",
    ),
    pytest.param(
        member(
            has_card=False, certificate=cert("2025-12-02", "2030-11-30", returned_on="2027-01-10")
        ),
        D("2027-01-10"),
        nothing(*TO_CALL_INSURER),
        id="資格確認書: 返却日から使えない",
    ),
    # Losing eligibility: lost_on is the first day without coverage.
    pytest.param(
        replace(CARD_AND_PHONE, lost_on=D("2026-07-01")),
        D("2026-06-30"),
        screen("2026-06-30"),
        id="退職日: マイナ保険証はこの日まで",
    ),
    pytest.param(
        replace(CARD_AND_PHONE, lost_on=D("2026-07-01")),
        D("2026-07-01"),
        nothing("join_new_insurer"),
        id="資格喪失日: 新しい保険へ",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, lost_on=D("2025-07-01")),
        D("2025-06-30"),
        legacy(until="2025-06-30"),
        id="退職日: 保険証はこの日まで",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, lost_on=D("2025-07-01")),
        D("2025-07-01"),
        nothing("join_new_insurer"),
        id="資格喪失日: 保険証は使えない",
    ),
    pytest.param(
        member(has_card=False, certificate=CERT_2025, lost_on=D("2027-04-01")),
        D("2027-03-31"),
        certificate("2027-03-31"),
        id="資格確認書は退職日まで",
    ),
    pytest.param(
        member(has_card=False, certificate=CERT_2025, lost_on=D("2027-04-01")),
        D("2027-04-01"),
        nothing("join_new_insurer"),
        id="資格喪失日: 資格確認書も使えない",
    ),
    pytest.param(
        replace(LEGACY_NO_CARD, lost_on=D("2026-02-01")),
        D("2026-01-31"),
        provisional(until="2026-01-31"),
        id="暫定の取扱いも退職日まで",
    ),
    pytest.param(
        replace(CARD_AND_PHONE, acquired_on=D("2026-04-01")),
        D("2026-03-31"),
        nothing("not_yet_enrolled"),
        id="資格取得日の前日: まだ当組合の資格はない",
    ),
    pytest.param(
        replace(CARD_AND_PHONE, acquired_on=D("2026-04-01")),
        D("2026-04-01"),
        screen(),
        id="資格取得日: マイナ保険証がそのまま使える",
    ),
    # Dependents: the same rules, on their own facts.
    pytest.param(
        member(
            acquired_on=D("2025-08-01"),
            has_card=False,
            certificate=cert("2025-08-01", "2030-07-31"),
        ),
        AFTER_EVERYTHING,
        certificate("2030-07-31"),
        id="被扶養者（子）: カードなし・資格確認書",
    ),
    pytest.param(
        member(**REGISTERED, has_smartphone=False, lost_on=D("2026-05-01")),
        D("2026-05-01"),
        nothing("join_new_insurer"),
        id="被扶養者（配偶者）: 扶養から外れた日",
    ),
]


@pytest.mark.parametrize(("facts", "day", "expected"), ADVICE_TABLE)
def test_advise(facts, day, expected):
    assert outcome(advise(facts, day)) == expected
