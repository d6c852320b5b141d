"""The advice's texts (eligibility.advice), by code: the Japanese as the letter would say it,
marked for the catalogs and translated when said (the reader's language: a member's own, staff
Japanese). Their days are dates, with the 西暦 beside them outside Japanese.

The translation machinery is reached from here, so that eligibility.advice (pure rules, which
tests/test_eligibility_rules.py keeps free of the framework) only calls `gettext`."""

from __future__ import annotations

from datetime import date

from django.utils.translation import get_language, gettext, gettext_noop

__all__ = ["APPLY", "CALLS", "PROVISIONAL_NOTE", "TEXTS", "gettext", "say", "sentences"]

from eligibility.rules import Call
from portal.wareki import format_wareki_localized as _day

# Everything the person or staff read, in plain Japanese as the letter would say it, by code.
APPLY = gettext_noop(
    "取得が難しい方は、事業所（被保険者のお勤め先）を通じて申請いただくと資格確認書を交付します。"
)
TEXTS = {
    # next steps
    "download_myna_portal_screen": gettext_noop(
        "マイナポータルの資格情報画面をスマホにダウンロードして"
        "ください。画面があれば、資格情報のお知らせを持ち歩く必要はありません。"
    ),
    "carry_notice_cutout": gettext_noop(
        "資格情報のお知らせの右下を切り取り、マイナンバーカードと一緒に持ち歩いてください。"
    ),
    "prepare_backup": gettext_noop(
        "スマホをお持ちの方はマイナポータルの資格情報画面をダウンロードし、"
        "お持ちでない方は資格情報のお知らせの切り取り部分をマイナンバーカードと一緒に持ち歩いて"
        "ください。"
    ),
    "renew_card_certificate": gettext_noop(
        "マイナンバーカードの電子証明書の有効期限が切れています。"
        "お住まいの市区町村の窓口で更新してください。"
    ),
    "register_myna_hokensho": gettext_noop(
        "マイナンバーカードを健康保険証として利用登録してください。"
        "医療機関・薬局の窓口のカードリーダーやマイナポータルで手続きできます。"
    ),
    # Two parts, each translated on its own (say).
    "get_card_or_certificate": (gettext_noop("マイナンバーカードの取得をお願いします。"), APPLY),
    "register_or_get_card": (
        gettext_noop(
            "マイナンバーカードをお持ちの方は健康保険証としての利用登録を、"
            "お持ちでない方はカードの取得をお願いします。"
        ),
        APPLY,
    ),
    "await_certificate": gettext_noop(
        "利用登録の解除後は、当組合から資格確認書をお送りします。"
        "届いていない場合は業務課にお電話ください。"
    ),
    "contact_insurer_for_certificate": gettext_noop(
        "受診に使える書類がありません。資格確認書の交付について、業務課にお電話ください。"
    ),
    "confirm_registration": gettext_noop(
        "当組合では、この日にマイナ保険証の利用登録が済んでいたかを"
        "把握していません（{known}の時点で登録済みと確認しています）。利用登録の状況は"
        "マイナポータルで確認できます。"
    ),
    "late_elderly": gettext_noop(
        "{start}（75歳の誕生日）から、お住まいの市区町村の後期高齢者医療制度に"
        "加入しています（加入の手続きは不要です）。マイナ保険証は、後期高齢者医療制度での登録が"
        "済めば引き続き使えます。マイナ保険証をお持ちでない方や登録が済んでいない方は、"
        "後期高齢者医療広域連合・市区町村から届く資格確認書で受診してください。"
        "当組合の書類は使えません。"
    ),
    # warnings
    "card_certificate_grace": gettext_noop(
        "マイナンバーカードの電子証明書の有効期限（{expires}）が"
        "過ぎています。{end}まではマイナ保険証として使えます。"
    ),
    "registration_ending": gettext_noop(
        "利用登録の解除を受け付けました。{end}まではマイナ保険証として"
        "使えます。その後は資格確認書で受診してください。"
    ),
    "legacy_card_ending": gettext_noop(
        "健康保険証は{end}まで使えます。それまでにマイナ保険証か資格確認書を用意してください。"
    ),
    "provisional_measure": gettext_noop(
        "令和8年3月31日までの暫定的な取扱いです。医療機関がオンラインで"
        "資格を確認できた場合に限り、資格情報のお知らせや期限切れの健康保険証で受診できます。"
    ),
    "no_valid_document": gettext_noop(
        "現在、受診に使える書類がありません。窓口で資格を確認できないと、"
        "医療費をいったん全額（10割）支払うことになる場合があります。"
    ),
    "cancellation_date_unknown": gettext_noop(
        "当組合では利用登録の解除の申請日を把握していないため"
        "（{known}の時点で解除の申請を確認しています）、この日にマイナ保険証が使えたかは"
        "わかりません。遅くとも{end}で使えなくなります。"
    ),
    "late_elderly_ahead": gettext_noop(
        "{start}（75歳の誕生日）から、お住まいの市区町村の後期高齢者医療制度に"
        "移ります。当組合の書類は{end}まで使えます。{start}からは、後期高齢者医療制度の"
        "マイナ保険証か、後期高齢者医療広域連合・市区町村から届く資格確認書で受診してください。"
    ),
    # inconsistencies, for staff
    "lost_before_acquired": gettext_noop("資格喪失年月日が資格取得年月日以前です。"),
    "registration_and_certificate": gettext_noop(
        "マイナ保険証の利用登録と有効な資格確認書が同時にあります"
        "（要配慮者としての交付ではありません）。"
    ),
    "cancellation_without_registration": gettext_noop("利用登録がないのに解除の申請日があります。"),
    "legacy_card_after_reform": gettext_noop(
        "令和6年12月2日以降の加入者に健康保険証が発行済みとされています。"
    ),
    "certificate_period_reversed": gettext_noop("資格確認書の有効期限が開始日より前です。"),
}
CALLS = {"await_certificate": Call.BUSINESS, "contact_insurer_for_certificate": Call.BUSINESS}
PROVISIONAL_NOTE = gettext_noop(
    "令和8年3月31日までは暫定的な取扱いとして、医療機関で受け付けられる場合があります。"
)


def sentences(*texts: str) -> str:
    """Sentences one after another, each already translated: run together in Japanese, a space
    between them in the other languages, whose translations end in "." without one."""
    language = get_language()
    between = "" if language is None or language.startswith("ja") else " "
    return between.join(text.strip() for text in texts if text)


def say(code: str, **days: date) -> str:
    """The text in the reader's language, its days as dates (西暦 beside outside Japanese)."""
    parts = TEXTS[code] if isinstance(TEXTS[code], tuple) else (TEXTS[code],)
    text = sentences(*(gettext(part) for part in parts))
    return text.format(**{k: _day(d) for k, d in days.items()})
