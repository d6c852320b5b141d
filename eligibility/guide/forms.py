"""The public guide's three questions. An answer that is none of the choices (an edited URL)
gets a message naming its question and the fix, shown in the portal's error summary."""

from __future__ import annotations

from django import forms

from eligibility.fields import YES_NO
from portal.validators import RefusesFullNumbers


def _invalid(question: str, choices: str) -> dict[str, str]:
    # Django's default names the submitted value; the member needs the question and the fix.
    return {"invalid_choice": f"{question}は、{choices}を選んでください。"}


class GuideForm(RefusesFullNumbers, forms.Form):
    card = forms.ChoiceField(
        label="マイナンバーカードをお持ちですか？",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
        error_messages=_invalid(
            "1問目(マイナンバーカードをお持ちですか？)", "「はい」か「いいえ」"
        ),
    )
    registered = forms.ChoiceField(
        label="マイナンバーカードを健康保険証として利用登録していますか？",
        choices=[*YES_NO, ("unknown", "わからない")],
        required=False,
        widget=forms.RadioSelect,
        error_messages=_invalid(
            "2問目(健康保険証として利用登録していますか？)",
            "「はい」「いいえ」「わからない」のいずれか",
        ),
    )
    smartphone = forms.ChoiceField(
        label="スマートフォンをお持ちですか？",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
        error_messages=_invalid("3問目(スマートフォンをお持ちですか？)", "「はい」か「いいえ」"),
    )
