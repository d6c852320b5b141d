"""The public guide: the letter's flowchart as three questions, answered for a given day.

Pure, like the rules it leans on: the next step comes from eligibility.advice (the same words
the dashboard uses) for a person with the stated card, registration and smartphone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext

from eligibility.advice import advise
from eligibility.rules import (
    LEGACY_CARD_END,
    MYNA_HOKENSHO_START,
    PROVISIONAL_MEASURE_END,
    MemberFacts,
)


@dataclass(frozen=True)
class GuideAnswer:
    step: int | None  # the letter's flowchart step (1-3); None while the card is unregistered
    title: str
    bring: str
    todo: str


@dataclass(frozen=True)
class GuideResult:
    answer: GuideAnswer | None
    missing: str | None  # the question still to answer, by field name


def legacy_card_note(day: date) -> str:
    """What the legacy card is worth on `day`, in the letter's words."""
    if day <= LEGACY_CARD_END:
        prefix = "" if day >= MYNA_HOKENSHO_START else gettext("令和6年12月2日以降も、")
        return prefix + gettext(
            "お手持ちの健康保険証は令和7年12月1日まで(券面の有効期限が先ならその日まで)"
            "使えます。退職などで資格を失った日からは使えません。"
        )
    if day <= PROVISIONAL_MEASURE_END:
        return gettext(
            "健康保険証は令和7年12月1日で使えなくなりました。令和8年3月31日までは暫定的な"
            "取扱いとして、健康保険証をお持ちだった方は、医療機関がオンラインで資格を確認"
            "できれば、期限切れの健康保険証や資格情報のお知らせで受診できる場合があります。"
        )
    return gettext(
        "健康保険証は令和7年12月1日で使えなくなりました(暫定的な取扱いも令和8年3月31日で"
        "終わりました)。"
    )


def _todo(day: date, **facts: object) -> str:
    # Someone who joined on `day`: from 2024-12-02 on without a legacy card, before it with one
    # (everybody had one then), so the answer is the flowchart's and nothing else.
    legacy = day < MYNA_HOKENSHO_START
    advice = advise(MemberFacts(acquired_on=day, legacy_card_issued=legacy, **facts), day)
    return advice.next_step.text if advice.next_step else ""


def answer(card: str, registered: str, smartphone: str, day: date) -> GuideResult:
    """card/smartphone: "yes", "no" or "" (not answered); registered also "unknown"."""
    if not card:
        return GuideResult(None, "card")
    if card == "no":
        todo = _todo(day, has_card=False)
        bring = gettext("資格確認書をお持ちの方は、資格確認書だけで受診できます。")
        return GuideResult(
            GuideAnswer(3, gettext("マイナンバーカードをお持ちでない方"), bring, todo), None
        )
    if not registered:
        return GuideResult(None, "registered")
    if registered != "yes":
        todo = _todo(day, has_card=True)
        if registered == "unknown":
            todo = (
                gettext(
                    "利用登録の有無は、マイナポータルや医療機関・薬局の窓口のカードリーダーで確認"
                    "できます。"
                )
                + todo
            )
        bring = gettext(
            "利用登録が済むまでは、マイナンバーカードだけでは受診できません。"
            "資格確認書をお持ちの方は、資格確認書で受診してください。"
        )
        title = gettext("マイナンバーカードを健康保険証として利用登録してください")
        return GuideResult(GuideAnswer(None, title, bring, todo), None)
    if not smartphone:
        return GuideResult(None, "smartphone")
    registered_on = day
    if smartphone == "yes":
        todo = _todo(day, has_card=True, registered_on=registered_on, has_smartphone=True)
        bring = gettext(
            "マイナ保険証(マイナンバーカード)。マイナ保険証が使えない医療機関や、システムが"
            "止まっているときは、スマートフォンのマイナポータルの資格情報画面もあわせて見せて"
            "ください。"
        )
        title = gettext("マイナンバーカードとスマートフォンをお持ちの方")
        return GuideResult(GuideAnswer(1, title, bring, todo), None)
    todo = _todo(day, has_card=True, registered_on=registered_on, has_smartphone=False)
    bring = gettext(
        "マイナ保険証(マイナンバーカード)と、資格情報のお知らせの切り取り部分(マイナ保険証が"
        "使えないときに、カードと一緒に見せます)。"
    )
    title = gettext("マイナンバーカードはあるが、スマートフォンをお持ちでない方")
    return GuideResult(GuideAnswer(2, title, bring, todo), None)
