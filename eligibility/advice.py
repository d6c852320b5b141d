"""The advice a person reads: what to present at a clinic on a given day, and why.

Built on eligibility.rules (one rule per document); pure like them, with the Japanese texts
the dashboard and the staff page show, keyed by stable codes.
"""

from __future__ import annotations

from datetime import date

from eligibility.advice_texts import CALLS, PROVISIONAL_NOTE, gettext, say, sentences
from eligibility.rules import (
    LEGACY_CARD_END,
    MYNA_HOKENSHO_START,
    PROVISIONAL_MEASURE_END,
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
from portal.wareki import format_wareki_localized as _day  # 西暦 beside in other languages

# --- advice ----------------------------------------------------------------------------------


def _remark(code: str, **days: date) -> Remark:
    return Remark(code, say(code, **days))


def _step(code: str, **days: date) -> NextStep:
    return NextStep(code, say(code, **days), CALLS.get(code))


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
        return gettext("利用登録を解除したため、%(end)sで使えなくなりました。") % {"end": _day(end)}
    expires = facts.card_certificate_expires_on
    if holds_card(facts) is False or expires is None:
        return gettext("マイナンバーカードがお手元にないため使えません。")
    grace_end = _day(card_certificate_grace_end(expires))
    return gettext(
        "電子証明書の有効期限（%(expires)s）から3か月の猶予（%(grace_end)sまで）が"
        "過ぎたため使えません。お住まいの市区町村の窓口で電子証明書を更新してください。"
    ) % {"expires": _day(expires), "grace_end": grace_end}


def _why_not_legacy(facts: MemberFacts, day: date) -> str:
    if facts.acquired_on >= MYNA_HOKENSHO_START:
        return gettext("令和6年12月2日以降は、健康保険証は発行されていません。")
    printed = facts.legacy_card_expires_on
    if printed is not None and printed < LEGACY_CARD_END:
        reason = gettext("有効期限（%(day)s）を過ぎています。") % {"day": _day(printed)}
    else:
        reason = gettext("健康保険証は令和7年12月1日で使えなくなりました。")
    if provisional_measure_applies(facts, day):
        return sentences(reason, gettext(PROVISIONAL_NOTE))
    return reason


def _why_not_certificate(cert: CertificateFacts, day: date) -> str:
    if cert.returned_on is not None and cert.returned_on <= day:
        return gettext("返却済みです（%(day)s）。") % {"day": _day(cert.returned_on)}
    if cert.revoked_on is not None and cert.revoked_on <= day:
        return gettext("%(day)sに無効になりました。") % {"day": _day(cert.revoked_on)}
    if day < cert.valid_from:
        return gettext("有効期間は%(day)sからです。") % {"day": _day(cert.valid_from)}
    return gettext("有効期限（%(day)s）を過ぎています。") % {"day": _day(cert.valid_to)}


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
        reason = gettext("資格情報のお知らせだけでは保険診療を受けられません。")
        if day > PROVISIONAL_MEASURE_END and held_expired_legacy_card(facts, day):
            reason = sentences(reason, gettext("暫定的な取扱いは令和8年3月31日で終わりました。"))
        invalid.append(InvalidDocument(Document.NOTICE, reason))
    return tuple(invalid)


def _return_documents(facts: MemberFacts) -> str:
    cert = facts.certificate
    if facts.legacy_card_issued or (cert is not None and cert.ended_on is None):
        return gettext(
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
        reason = gettext("当組合の資格は%(day)sからです。") % {"day": _day(facts.acquired_on)}
        until_then = gettext("それまでは、現在加入している健康保険で受診してください。")
        text = sentences(reason, until_then)
        step = NextStep("not_yet_enrolled", text)
    elif left_for_late_elderly(facts):
        # The municipality's 後期高齢者医療 covers them from the birthday: its documents, not ours.
        primary = Primary.LATE_ELDERLY
        reason = gettext(
            "%(day)s（75歳の誕生日）から後期高齢者医療制度に移ったため、当組合の書類は使えません。"
        ) % {"day": _day(facts.lost_on)}
        step = _step("late_elderly", start=facts.lost_on)
        step = NextStep(step.code, sentences(step.text, _return_documents(facts)))
    else:
        reason = gettext("%(day)sに当組合の資格を喪失したため使えません。") % {
            "day": _day(facts.lost_on)
        }
        # Also a dependent leaving with the insured person (who left, or turned 75): the
        # dependent status ends with theirs, so a family member's insurance is an option.
        text = gettext(
            "新しく加入する健康保険（お勤め先の健康保険、ご家族の健康保険の被扶養者、"
            "国民健康保険など）の手続きをしてください。"
        )
        if registered:
            text = sentences(
                text, gettext("マイナ保険証は、加入先での手続きが済めば引き続き使えます。")
            )
        step = NextStep("join_new_insurer", sentences(text, _return_documents(facts)))
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
