"""eligibility.advice beyond the main table: invalid documents and why, warnings, what staff
see, and a household's advice person by person."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.utils import translation

from eligibility.advice import advise
from eligibility.advice_texts import TEXTS, say
from eligibility.rules import (
    Document,
    Primary,
)
from tests.eligibility_cases import (
    AFTER_EVERYTHING,
    CARD_AND_PHONE,
    CERT_2025,
    LEGACY_NO_CARD,
    D,
    cancelled,
    cert,
    member,
)


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


# A sentence's end with the next one glued on ("Card.If"; not "v.v." or "3.5").
RUN_TOGETHER = re.compile(r"[.!?](?=[^\W\d_])")


@pytest.mark.parametrize("language", ["en", "pt-br", "vi", "ja"])
def test_sentences_are_spaced_in_the_readers_language(language):
    cases = [
        (replace(LEGACY_NO_CARD, certificate=CERT_2025, lost_on=D("2026-07-01")), "2026-07-01"),
        (replace(CARD_AND_PHONE, lost_on=D("2026-07-01")), "2026-07-01"),
        (replace(CARD_AND_PHONE, acquired_on=D("2027-04-01")), "2027-03-01"),
        (LEGACY_NO_CARD, "2025-12-10"),
        (LEGACY_NO_CARD, "2026-05-01"),
    ]
    with translation.override(language):
        texts = [say(code) for code in TEXTS if "{" not in str(TEXTS[code])]
        for facts, day in cases:
            advice = advise(facts, D(day))
            texts.append(advice.next_step.text)
            texts += [invalid.reason for invalid in advice.invalid]
    assert len(texts) > len(TEXTS) // 2
    for text in texts:
        if language == "ja":
            assert "。 " not in text, text
        else:
            glued = [m for m in RUN_TOGETHER.finditer(text) if text[m.end()].isupper()]
            assert not glued, text
