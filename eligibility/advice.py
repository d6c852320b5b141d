"""The advice a person reads: what to present at a clinic on a given day, and why.

Built on eligibility.rules (one rule per document); pure like them, with the Japanese texts
the dashboard and the staff page show, keyed by stable codes.
"""

from __future__ import annotations

from datetime import date

from eligibility.rules import (
    LEGACY_CARD_END,
    MYNA_HOKENSHO_START,
    PROVISIONAL_MEASURE_END,
    Call,
    CertificateFacts,
    ClinicAdvice,
    Document,
    InvalidDocument,
    MemberFacts,
    NextStep,
    Primary,
    Remark,
    card_certificate_grace_end,
    card_certificate_usable,
    certificate_last_day,
    certificate_valid,
    earliest,
    held_expired_legacy_card,
    holds_card,
    is_enrolled,
    last_covered_day,
    late_elderly_notice_from,
    left_for_late_elderly,
    legacy_card_last_day,
    legacy_card_valid,
    myna_hokensho_usable,
    provisional_measure_applies,
    registration_active,
    registration_end,
    registration_unknown,
)
from portal.wareki import format_wareki

# --- advice ----------------------------------------------------------------------------------

# Everything the person or staff read, in plain Japanese as the letter would say it, by code.
_APPLY = (
    "取得が難しい方は、事業所（被保険者のお勤め先）を通じて申請いただくと資格確認書を交付します。"
)
_TEXTS = {
    # next steps
    "download_myna_portal_screen": "マイナポータルの資格情報画面をスマホにダウンロードして"
    "ください。画面があれば、資格情報のお知らせを持ち歩く必要はありません。",
    "carry_notice_cutout": "資格情報のお知らせの右下を切り取り、マイナンバーカードと一緒に"
    "持ち歩いてください。",
    "prepare_backup": "スマホをお持ちの方はマイナポータルの資格情報画面をダウンロードし、"
    "お持ちでない方は資格情報のお知らせの切り取り部分をマイナンバーカードと一緒に持ち歩いて"
    "ください。",
    "renew_card_certificate": "マイナンバーカードの電子証明書の有効期限が切れています。"
    "お住まいの市区町村の窓口で更新してください。",
    "register_myna_hokensho": "マイナンバーカードを健康保険証として利用登録してください。"
    "医療機関・薬局の窓口のカードリーダーやマイナポータルで手続きできます。",
    "get_card_or_certificate": "マイナンバーカードの取得をお願いします。" + _APPLY,
    "register_or_get_card": "マイナンバーカードをお持ちの方は健康保険証としての利用登録を、"
    "お持ちでない方はカードの取得をお願いします。" + _APPLY,
    "await_certificate": "利用登録の解除後は、当組合から資格確認書をお送りします。"
    "届いていない場合は業務課にお電話ください。",
    "contact_insurer_for_certificate": "受診に使える書類がありません。"
    "資格確認書の交付について、業務課にお電話ください。",
    "confirm_registration": "当組合では、この日にマイナ保険証の利用登録が済んでいたかを"
    "把握していません（{known}の時点で登録済みと確認しています）。利用登録の状況は"
    "マイナポータルで確認できます。",
    "late_elderly": "{start}（75歳の誕生日）から、お住まいの市区町村の後期高齢者医療制度に"
    "加入しています（加入の手続きは不要です）。マイナ保険証は、後期高齢者医療制度での登録が"
    "済めば引き続き使えます。マイナ保険証をお持ちでない方や登録が済んでいない方は、"
    "後期高齢者医療広域連合・市区町村から届く資格確認書で受診してください。"
    "当組合の書類は使えません。",
    # warnings
    "card_certificate_grace": "マイナンバーカードの電子証明書の有効期限（{expires}）が"
    "過ぎています。{end}まではマイナ保険証として使えます。",
    "registration_ending": "利用登録の解除を受け付けました。{end}まではマイナ保険証として"
    "使えます。その後は資格確認書で受診してください。",
    "legacy_card_ending": "健康保険証は{end}まで使えます。"
    "それまでにマイナ保険証か資格確認書を用意してください。",
    "provisional_measure": "令和8年3月31日までの暫定的な取扱いです。医療機関がオンラインで"
    "資格を確認できた場合に限り、資格情報のお知らせや期限切れの健康保険証で受診できます。",
    "no_valid_document": "現在、受診に使える書類がありません。窓口で資格を確認できないと、"
    "医療費をいったん全額（10割）支払うことになる場合があります。",
    "cancellation_date_unknown": "当組合では利用登録の解除の申請日を把握していないため"
    "（{known}の時点で解除の申請を確認しています）、この日にマイナ保険証が使えたかは"
    "わかりません。遅くとも{end}で使えなくなります。",
    "late_elderly_ahead": "{start}（75歳の誕生日）から、お住まいの市区町村の後期高齢者医療制度に"
    "移ります。当組合の書類は{end}まで使えます。{start}からは、後期高齢者医療制度の"
    "マイナ保険証か、後期高齢者医療広域連合・市区町村から届く資格確認書で受診してください。",
    # inconsistencies, for staff
    "lost_before_acquired": "資格喪失年月日が資格取得年月日以前です。",
    "registration_and_certificate": "マイナ保険証の利用登録と有効な資格確認書が同時にあります"
    "（要配慮者としての交付ではありません）。",
    "cancellation_without_registration": "利用登録がないのに解除の申請日があります。",
    "legacy_card_after_reform": "令和6年12月2日以降の加入者に健康保険証が発行済みとされています。",
    "certificate_period_reversed": "資格確認書の有効期限が開始日より前です。",
}
_CALLS = {"await_certificate": Call.BUSINESS, "contact_insurer_for_certificate": Call.BUSINESS}
_PROVISIONAL_NOTE = (
    "令和8年3月31日までは暫定的な取扱いとして、医療機関で受け付けられる場合があります。"
)


def _remark(code: str, **days: date) -> Remark:
    return Remark(code, _TEXTS[code].format(**{k: format_wareki(d) for k, d in days.items()}))


def _step(code: str, **days: date) -> NextStep:
    text = _TEXTS[code].format(**{k: format_wareki(d) for k, d in days.items()})
    return NextStep(code, text, _CALLS.get(code))


def _next_step_without_myna(facts: MemberFacts, day: date, holds_document: bool) -> NextStep:
    """The flowchart's step 3, or whatever stands between the person and a マイナ保険証."""
    end = registration_end(facts)
    if end is not None and (day > end or registration_unknown(facts, day)):
        return _step("await_certificate")  # cancelled on purpose: no nudging to register
    if registration_unknown(facts, day) and facts.registered_on is not None:
        # Registered by a later day, maybe already on this one: never "please register".
        return _step("confirm_registration", known=facts.registered_on)
    card = holds_card(facts)
    if card and not card_certificate_usable(facts, day):
        return _step("renew_card_certificate")
    if card:
        return _step("register_myna_hokensho")
    if not holds_document and facts.acquired_on < MYNA_HOKENSHO_START:
        # Members from before the reform get a 資格確認書 without applying (職権交付); holding
        # nothing means it went astray. Later joiners apply through the employer (the letter).
        return _step("contact_insurer_for_certificate")
    return _step("get_card_or_certificate" if card is False else "register_or_get_card")


def _flowchart(facts: MemberFacts) -> tuple[Primary, tuple[Document, ...], NextStep]:
    """Steps 1 and 2 of the letter's flowchart, for someone whose マイナ保険証 works."""
    if facts.has_smartphone is True:
        screen = Document.MYNA_PORTAL_SCREEN
        return Primary.MYNA_PORTAL_SCREEN, (screen,), _step("download_myna_portal_screen")
    if facts.has_smartphone is False:
        return Primary.MYNA_CARD_WITH_NOTICE, (Document.NOTICE,), _step("carry_notice_cutout")
    backups = (Document.MYNA_PORTAL_SCREEN, Document.NOTICE)  # either, once we know
    return Primary.MYNA_CARD, backups, _step("prepare_backup")


def _inconsistencies(facts: MemberFacts, day: date) -> tuple[Remark, ...]:
    cert = facts.certificate
    checks = {
        "lost_before_acquired": facts.lost_on is not None and facts.lost_on <= facts.acquired_on,
        # A 要配慮者 may hold a 資格確認書 while keeping the registration (DOMAIN.md).
        "registration_and_certificate": registration_active(facts, day)
        and certificate_valid(facts, day)
        and not (cert is not None and cert.needs_assistance),
        "cancellation_without_registration": facts.registration_cancelled_on is not None
        and facts.registered_on is None,
        "legacy_card_after_reform": facts.legacy_card_issued
        and facts.acquired_on >= MYNA_HOKENSHO_START,
        "certificate_period_reversed": cert is not None and cert.valid_to < cert.valid_from,
    }
    return tuple(_remark(code) for code, found in checks.items() if found)


def _why_not_myna(facts: MemberFacts, day: date) -> str:
    end = registration_end(facts)
    if end is not None and day > end:
        return f"利用登録を解除したため、{format_wareki(end)}で使えなくなりました。"
    expires = facts.card_certificate_expires_on
    if holds_card(facts) is False or expires is None:
        return "マイナンバーカードがお手元にないため使えません。"
    grace_end = format_wareki(card_certificate_grace_end(expires))
    return (
        f"電子証明書の有効期限（{format_wareki(expires)}）から3か月の猶予（{grace_end}まで）が"
        "過ぎたため使えません。お住まいの市区町村の窓口で電子証明書を更新してください。"
    )


def _why_not_legacy(facts: MemberFacts, day: date) -> str:
    if facts.acquired_on >= MYNA_HOKENSHO_START:
        return "令和6年12月2日以降は、健康保険証は発行されていません。"
    printed = facts.legacy_card_expires_on
    if printed is not None and printed < LEGACY_CARD_END:
        reason = f"有効期限（{format_wareki(printed)}）を過ぎています。"
    else:
        reason = "健康保険証は令和7年12月1日で使えなくなりました。"
    return reason + _PROVISIONAL_NOTE if provisional_measure_applies(facts, day) else reason


def _why_not_certificate(cert: CertificateFacts, day: date) -> str:
    if cert.returned_on is not None and cert.returned_on <= day:
        return f"返却済みです（{format_wareki(cert.returned_on)}）。"
    if cert.revoked_on is not None and cert.revoked_on <= day:
        return f"{format_wareki(cert.revoked_on)}に無効になりました。"
    if day < cert.valid_from:
        return f"有効期間は{format_wareki(cert.valid_from)}からです。"
    return f"有効期限（{format_wareki(cert.valid_to)}）を過ぎています。"


def _invalid_while_enrolled(
    facts: MemberFacts, day: date, primary: Primary
) -> tuple[InvalidDocument, ...]:
    invalid = []
    registered = facts.registered_on is not None and facts.registered_on <= day
    unknown = registration_unknown(facts, day)  # neither usable nor not: said in the next step
    if registered and not unknown and not myna_hokensho_usable(facts, day):
        invalid.append(InvalidDocument(Document.MYNA_CARD, _why_not_myna(facts, day)))
    if facts.legacy_card_issued and not legacy_card_valid(facts, day):
        invalid.append(InvalidDocument(Document.LEGACY_CARD, _why_not_legacy(facts, day)))
    if facts.certificate is not None and not certificate_valid(facts, day):
        reason = _why_not_certificate(facts.certificate, day)
        invalid.append(InvalidDocument(Document.CERTIFICATE, reason))
    if primary is Primary.NONE:  # Q1 of the letter: the お知らせ alone gets no insured treatment
        reason = "資格情報のお知らせだけでは保険診療を受けられません。"
        if day > PROVISIONAL_MEASURE_END and held_expired_legacy_card(facts, day):
            reason += "暫定的な取扱いは令和8年3月31日で終わりました。"
        invalid.append(InvalidDocument(Document.NOTICE, reason))
    return tuple(invalid)


def _return_documents(facts: MemberFacts) -> str:
    cert = facts.certificate
    if facts.legacy_card_issued or (cert is not None and cert.ended_on is None):
        return (
            "当組合の健康保険証・資格確認書は、事業所（被保険者のお勤め先）を通じて"
            "返却してください。"
        )
    return ""


def _covered_until(facts: MemberFacts, day: date) -> date | None:
    """The last covered day as the member is told it. An end that is only the 75th birthday is
    told from the month before, when the advice announces the move: decades ahead it would read
    as an expiry date of the マイナ保険証."""
    last = last_covered_day(facts)
    if (
        last is not None
        and facts.birth_date is not None
        and left_for_late_elderly(facts)
        and day < late_elderly_notice_from(facts.birth_date)
    ):
        return None
    return last


def _not_enrolled(facts: MemberFacts, day: date) -> ClinicAdvice:
    """Nothing from this insurer works before acquiring, nor from the day coverage is lost."""
    registered = facts.registered_on is not None and facts.registered_on <= day
    held = [Document.MYNA_CARD] if registered else []
    if day >= facts.acquired_on:
        held.append(Document.NOTICE)
    if facts.legacy_card_issued:
        held.append(Document.LEGACY_CARD)
    if facts.certificate is not None:
        held.append(Document.CERTIFICATE)
    primary = Primary.NONE
    if day < facts.acquired_on or facts.lost_on is None:
        reason = f"当組合の資格は{format_wareki(facts.acquired_on)}からです。"
        text = reason + "それまでは、現在加入している健康保険で受診してください。"
        step = NextStep("not_yet_enrolled", text)
    elif left_for_late_elderly(facts):
        # The municipality's 後期高齢者医療 covers them from the birthday: its documents, not ours.
        primary = Primary.LATE_ELDERLY
        reason = f"{format_wareki(facts.lost_on)}（75歳の誕生日）から後期高齢者医療制度に"
        reason += "移ったため、当組合の書類は使えません。"
        step = _step("late_elderly", start=facts.lost_on)
        step = NextStep(step.code, step.text + _return_documents(facts))
    else:
        reason = f"{format_wareki(facts.lost_on)}に当組合の資格を喪失したため使えません。"
        # Also a dependent leaving with the insured person (who left, or turned 75): the
        # dependent status ends with theirs, so a family member's insurance is an option.
        text = "新しく加入する健康保険（お勤め先の健康保険、ご家族の健康保険の被扶養者、"
        text += "国民健康保険など）の手続きをしてください。"
        if registered:
            text += "マイナ保険証は、加入先での手続きが済めば引き続き使えます。"
        step = NextStep("join_new_insurer", text + _return_documents(facts))
    return ClinicAdvice(
        day=day,
        primary=primary,
        validity=None,
        invalid=tuple(InvalidDocument(document, reason) for document in held),
        next_step=step,
        inconsistencies=_inconsistencies(facts, day),
    )


def _late_elderly_ahead(facts: MemberFacts, day: date) -> tuple[Remark, ...]:
    """The move to 後期高齢者医療, announced from late_elderly_notice_from on."""
    if facts.birth_date is None or facts.lost_on is None or not left_for_late_elderly(facts):
        return ()
    if day < late_elderly_notice_from(facts.birth_date):
        return ()
    last = last_covered_day(facts) or facts.lost_on
    return (_remark("late_elderly_ahead", start=facts.lost_on, end=last),)


def advise(facts: MemberFacts, day: date) -> ClinicAdvice:
    """What this person presents at a clinic on `day`, and what to do next.

    Never raises on contradictory facts: they come back as `inconsistencies` for staff.
    """
    if not is_enrolled(facts, day):
        return _not_enrolled(facts, day)
    myna = myna_hokensho_usable(facts, day)
    legacy = legacy_card_valid(facts, day)
    backups: tuple[Document, ...] = ()
    warnings = []
    if certificate_valid(facts, day):
        # Valid alone. A registration recorded as well is an inconsistency for staff, unless the
        # certificate went to a 要配慮者, who may keep both.
        primary, validity, step = Primary.CERTIFICATE, certificate_last_day(facts), None
        backups = (Document.MYNA_CARD,) if myna else ()
    elif myna:
        primary, backups, step = _flowchart(facts)
        expires = facts.card_certificate_expires_on
        grace_end = None if expires is None else card_certificate_grace_end(expires)
        validity = earliest(registration_end(facts), grace_end, _covered_until(facts, day))
        if expires is not None and grace_end is not None and day > expires:
            if registration_end(facts) is None:  # no point renewing for a registration ending
                step = _step("renew_card_certificate")
            warnings.append(_remark("card_certificate_grace", expires=expires, end=grace_end))
        if (end := registration_end(facts)) is not None:
            warnings.append(_remark("registration_ending", end=end))
    elif legacy:
        primary, validity = Primary.LEGACY_CARD, legacy_card_last_day(facts)
        step = _next_step_without_myna(facts, day, holds_document=True)
        warnings.append(_remark("legacy_card_ending", end=validity or LEGACY_CARD_END))
    elif registration_unknown(facts, day):
        # Neither "registered" nor "not registered": say so rather than guess (rules docstring).
        primary, validity = Primary.MYNA_UNCONFIRMED, None
        step = _next_step_without_myna(facts, day, holds_document=True)
        end, known = registration_end(facts), facts.registration_cancelled_on
        if end is not None and known is not None:
            warnings.append(_remark("cancellation_date_unknown", known=known, end=end))
    elif provisional_measure_applies(facts, day):
        primary = Primary.NOTICE_PROVISIONAL
        validity = earliest(PROVISIONAL_MEASURE_END, last_covered_day(facts))
        step = _next_step_without_myna(facts, day, holds_document=True)
        warnings.append(_remark("provisional_measure"))
    else:
        primary, validity = Primary.NONE, None
        step = _next_step_without_myna(facts, day, holds_document=False)
        warnings.append(_remark("no_valid_document"))
    if legacy and primary is not Primary.LEGACY_CARD:
        backups += (Document.LEGACY_CARD,)  # until 2025-12-01 it works alone as well
    return ClinicAdvice(
        day=day,
        primary=primary,
        validity=validity,
        backups=backups,
        invalid=_invalid_while_enrolled(facts, day, primary),
        next_step=step,
        warnings=(*warnings, *_late_elderly_ahead(facts, day)),
        inconsistencies=_inconsistencies(facts, day),
    )
