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
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest

from eligibility import advice as advice_module
from eligibility import rules
from eligibility.advice import advise
from eligibility.rules import (
    LEGACY_CARD_END,
    MYNA_HOKENSHO_START,
    PROVISIONAL_MEASURE_END,
    PROVISIONAL_MEASURE_START,
    CertificateFacts,
    ClinicAdvice,
    Document,
    MemberFacts,
    Primary,
    card_certificate_grace_end,
    card_certificate_usable,
    certificate_valid,
    end_of_following_month,
    is_enrolled,
    legacy_card_valid,
    registration_active,
)

D = date.fromisoformat

# A member since 2020 with nothing else known: no legacy card recorded, no registration,
# card and smartphone not said. Each row changes what it needs.
MEMBER = MemberFacts(acquired_on=D("2020-04-01"))


def member(**changes) -> MemberFacts:
    return replace(MEMBER, **changes)


REGISTERED = dict(registered_on=D("2023-05-10"), has_card=True)
CARD_AND_PHONE = member(**REGISTERED, has_smartphone=True)
LEGACY_NO_CARD = member(legacy_card_issued=True, has_card=False)
CERT_2025 = CertificateFacts(valid_from=D("2025-12-02"), valid_to=D("2030-11-30"))
AFTER_EVERYTHING = D("2026-06-01")  # past every transition date


def cancelled(applied: str, **changes) -> MemberFacts:
    return replace(CARD_AND_PHONE, registration_cancelled_on=D(applied), **changes)


def cert(valid_from: str, valid_to: str, **ends: str) -> CertificateFacts:
    return CertificateFacts(D(valid_from), D(valid_to), **{k: D(v) for k, v in ends.items()})


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
        provisional(step="await_certificate", call="business"),
        id="12月解除: 2月1日は暫定の取扱い中",
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


@pytest.mark.parametrize(
    ("facts", "day", "reasons"),
    [
        pytest.param(CARD_AND_PHONE, AFTER_EVERYTHING, {}, id="使えるものだけ: 無効なし"),
        pytest.param(
            LEGACY_NO_CARD,
            D("2025-12-02"),
            {"legacy_card": "使えなくなりました。令和8年3月31日までは暫定的な取扱い"},
            id="保険証: 期限切れ（暫定の取扱いあり）",
        ),
        pytest.param(
            LEGACY_NO_CARD,
            D("2026-04-01"),
            {
                "legacy_card": "令和7年12月1日で使えなくなりました。",
                "notice": "暫定的な取扱いは令和8年3月31日で終わりました",
            },
            id="暫定の終了後: お知らせだけでは受診できない",
        ),
        pytest.param(
            replace(LEGACY_NO_CARD, legacy_card_expires_on=D("2025-09-30")),
            D("2025-10-01"),
            {
                "legacy_card": "有効期限（令和7年9月30日）を過ぎています",
                "notice": "お知らせだけでは",
            },
            id="保険証: 券面の有効期限切れ",
        ),
        pytest.param(
            replace(LEGACY_NO_CARD, acquired_on=D("2024-12-02")),
            D("2025-06-01"),
            {
                "legacy_card": "令和6年12月2日以降は、健康保険証は発行されていません",
                "notice": "だけでは",
            },
            id="保険証: 改正後の加入者には発行されない",
        ),
        pytest.param(
            cancelled("2026-05-15"),
            D("2026-07-01"),
            {
                "myna_card": "利用登録を解除したため、令和8年6月30日で使えなくなりました",
                "notice": "だけでは",
            },
            id="マイナ保険証: 解除済",
        ),
        pytest.param(
            replace(CARD_AND_PHONE, card_certificate_expires_on=D("2026-05-20")),
            D("2026-09-01"),
            {"myna_card": "猶予（令和8年8月31日まで）が過ぎたため", "notice": "だけでは"},
            id="マイナ保険証: 電子証明書の猶予切れ",
        ),
        pytest.param(
            member(registered_on=D("2023-05-10"), has_card=False),
            AFTER_EVERYTHING,
            {"myna_card": "お手元にない", "notice": "だけでは"},
            id="マイナ保険証: カードが手元にない",
        ),
        pytest.param(
            member(
                has_card=False,
                certificate=cert("2025-12-02", "2030-11-30", returned_on="2027-01-10"),
            ),
            D("2027-01-10"),
            {"certificate": "返却済みです（令和9年1月10日）", "notice": "だけでは"},
            id="資格確認書: 返却済",
        ),
        pytest.param(
            member(
                has_card=False,
                certificate=cert("2025-12-02", "2030-11-30", revoked_on="2027-01-10"),
            ),
            D("2027-01-10"),
            {"certificate": "令和9年1月10日に無効になりました", "notice": "だけでは"},
            id="資格確認書: 無効化",
        ),
        pytest.param(
            replace(LEGACY_NO_CARD, certificate=cert("2026-04-01", "2031-03-31")),
            D("2026-03-31"),
            {"certificate": "有効期間は令和8年4月1日からです", "legacy_card": "令和7年12月1日"},
            id="資格確認書: 有効期間の前",
        ),
        pytest.param(
            member(has_card=False, certificate=CERT_2025),
            D("2030-12-01"),
            {"certificate": "有効期限（令和12年11月30日）を過ぎています", "notice": "だけでは"},
            id="資格確認書: 有効期限切れ",
        ),
        pytest.param(
            replace(
                CARD_AND_PHONE,
                legacy_card_issued=True,
                certificate=CERT_2025,
                lost_on=D("2026-07-01"),
            ),
            D("2026-07-01"),
            dict.fromkeys(
                ("myna_card", "notice", "legacy_card", "certificate"),
                "令和8年7月1日に当組合の資格を喪失したため使えません",
            ),
            id="資格喪失: 当組合の書類はすべて使えない",
        ),
        pytest.param(
            replace(
                CARD_AND_PHONE,
                acquired_on=D("2026-04-01"),
                certificate=cert("2026-04-01", "2031-03-31"),
            ),
            D("2026-03-31"),
            dict.fromkeys(("myna_card", "certificate"), "当組合の資格は令和8年4月1日からです"),
            id="資格取得の前: まだ使えない",
        ),
    ],
)
def test_invalid_documents_and_why(facts, day, reasons):
    invalid = {item.document.code: item.reason for item in advise(facts, day).invalid}
    assert invalid.keys() == reasons.keys()
    for code, expected in reasons.items():
        assert expected in invalid[code], code


@pytest.mark.parametrize(
    ("facts", "day", "codes"),
    [
        pytest.param(CARD_AND_PHONE, AFTER_EVERYTHING, (), id="マイナ保険証: 注意なし"),
        pytest.param(
            replace(CARD_AND_PHONE, card_certificate_expires_on=D("2026-05-20")),
            D("2026-05-20"),
            (),
            id="電子証明書の有効期限の当日: 注意なし",
        ),
        pytest.param(
            replace(CARD_AND_PHONE, card_certificate_expires_on=D("2026-05-20")),
            D("2026-05-21"),
            ("card_certificate_grace",),
            id="電子証明書の猶予中",
        ),
        pytest.param(
            cancelled("2026-01-15"), D("2026-01-20"), ("registration_ending",), id="解除の受付後"
        ),
        pytest.param(
            LEGACY_NO_CARD, D("2025-06-01"), ("legacy_card_ending",), id="保険証の期限が近い"
        ),
        pytest.param(LEGACY_NO_CARD, D("2026-01-05"), ("provisional_measure",), id="暫定の取扱い"),
        pytest.param(
            LEGACY_NO_CARD, D("2026-04-01"), ("no_valid_document",), id="受診できる書類なし"
        ),
        pytest.param(
            replace(LEGACY_NO_CARD, lost_on=D("2025-07-01")), D("2025-07-01"), (), id="資格喪失後"
        ),
    ],
)
def test_warnings(facts, day, codes):
    assert tuple(remark.code for remark in advise(facts, day).warnings) == codes


def test_warning_texts_give_the_dates():
    facts = replace(CARD_AND_PHONE, card_certificate_expires_on=D("2026-05-20"))
    (grace,) = advise(facts, D("2026-06-01")).warnings
    assert "令和8年5月20日" in grace.text
    assert "令和8年8月31日まではマイナ保険証として使えます" in grace.text
    (ending,) = advise(cancelled("2026-01-15"), D("2026-01-20")).warnings
    assert "令和8年2月28日まではマイナ保険証として使えます" in ending.text


@pytest.mark.parametrize(
    ("facts", "day", "codes"),
    [
        pytest.param(CARD_AND_PHONE, AFTER_EVERYTHING, (), id="矛盾なし"),
        pytest.param(
            replace(CARD_AND_PHONE, certificate=CERT_2025),
            AFTER_EVERYTHING,
            ("registration_and_certificate",),
            id="利用登録と資格確認書の両方",
        ),
        pytest.param(
            cancelled("2026-01-15", certificate=cert("2026-02-01", "2031-01-31")),
            D("2026-02-15"),
            ("registration_and_certificate",),
            id="解除が効く前に資格確認書",
        ),
        pytest.param(
            cancelled("2026-01-15", certificate=cert("2026-03-01", "2031-02-28")),
            D("2026-02-28"),
            (),
            id="解除の翌月末まで登録、翌日から資格確認書: 矛盾なし",
        ),
        pytest.param(
            member(registration_cancelled_on=D("2025-01-15")),
            D("2025-06-01"),
            ("cancellation_without_registration",),
            id="登録がないのに解除",
        ),
        pytest.param(
            replace(LEGACY_NO_CARD, acquired_on=D("2024-12-02")),
            D("2025-06-01"),
            ("legacy_card_after_reform",),
            id="2024-12-02以降の加入者に保険証",
        ),
        pytest.param(
            member(certificate=cert("2026-04-01", "2026-03-31")),
            D("2026-04-01"),
            ("certificate_period_reversed",),
            id="資格確認書の期間が逆",
        ),
        pytest.param(
            member(lost_on=D("2020-04-01")),
            D("2020-04-01"),
            ("lost_before_acquired",),
            id="喪失日が取得日以前",
        ),
    ],
)
def test_inconsistencies_are_reported_for_staff(facts, day, codes):
    advice = advise(facts, day)
    assert tuple(remark.code for remark in advice.inconsistencies) == codes
    assert advice.needs_staff_review is bool(codes)


def test_registration_and_certificate_both_valid_presents_the_certificate():
    advice = advise(replace(CARD_AND_PHONE, certificate=CERT_2025), AFTER_EVERYTHING)
    assert advice.primary is Primary.CERTIFICATE
    assert advice.backups == (Document.MYNA_CARD,)


def test_leaving_asks_to_return_what_the_member_holds():
    held = replace(LEGACY_NO_CARD, certificate=CERT_2025, lost_on=D("2026-07-01"))
    step = advise(held, D("2026-07-01")).next_step
    assert "国民健康保険" in step.text
    assert "返却してください" in step.text
    returned = member(certificate=cert("2025-12-02", "2030-11-30", returned_on="2026-06-30"))
    step = advise(replace(returned, lost_on=D("2026-07-01")), D("2026-07-01")).next_step
    assert "返却" not in step.text
    step = advise(replace(CARD_AND_PHONE, lost_on=D("2026-07-01")), D("2026-07-01")).next_step
    assert "マイナ保険証は、加入先での手続きが済めば引き続き使えます" in step.text


def test_each_person_in_a_household_gets_their_own_advice():
    insured = replace(CARD_AND_PHONE, legacy_card_issued=True)
    spouse = member(has_card=False, certificate=CERT_2025, lost_on=D("2026-05-01"))
    child = member(acquired_on=D("2025-08-01"), has_card=True, has_smartphone=False)
    day = D("2026-05-01")
    assert [advise(person, day).primary for person in (insured, spouse, child)] == [
        Primary.MYNA_PORTAL_SCREEN,
        Primary.NONE,
        Primary.NONE,
    ]
    assert advise(spouse, day).next_step.code == "join_new_insurer"
    assert advise(child, day).next_step.code == "register_myna_hokensho"


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
}


@pytest.mark.parametrize("facts", PERSONAS)
def test_every_day_of_the_transition_gives_coherent_advice(facts):
    day = MYNA_HOKENSHO_START - timedelta(days=10)
    while day <= PROVISIONAL_MEASURE_END + timedelta(days=10):
        advice = advise(facts, day)
        assert advice.day == day
        assert advice.validity is None or advice.validity >= day
        if advice.primary is Primary.NONE:
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
        "none",
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
