"""The public guide's three questions. An answer that is none of the choices (an edited URL)
gets a message naming its question and the fix, shown in the portal's error summary."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from eligibility.fields import YES_NO
from portal.validators import RefusesFullNumbers


def _invalid(question: str, choices: str) -> dict[str, Any]:
    # Django's default names the submitted value; the member needs the question and the fix.
    # Lazy: the form is built at import, the message is read in the member's language.
    return {
        "invalid_choice": format_lazy(
            gettext_lazy("{question}は、{choices}を選んでください。"),
            question=question,
            choices=choices,
        )
    }


class GuideForm(RefusesFullNumbers, forms.Form):
    card = forms.ChoiceField(
        label=gettext_lazy("マイナンバーカードをお持ちですか？"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
        error_messages=_invalid(
            gettext_lazy("1問目(マイナンバーカードをお持ちですか？)"),
            gettext_lazy("「はい」か「いいえ」"),
        ),
    )
    registered = forms.ChoiceField(
        label=gettext_lazy("マイナンバーカードを健康保険証として利用登録していますか？"),
        choices=[*YES_NO, ("unknown", gettext_lazy("わからない"))],
        required=False,
        widget=forms.RadioSelect,
        error_messages=_invalid(
            gettext_lazy("2問目(健康保険証として利用登録していますか？)"),
            gettext_lazy("「はい」「いいえ」「わからない」のいずれか"),
        ),
    )
    smartphone = forms.ChoiceField(
        label=gettext_lazy("スマートフォンをお持ちですか？"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
        error_messages=_invalid(
            gettext_lazy("3問目(スマートフォンをお持ちですか？)"),
            gettext_lazy("「はい」か「いいえ」"),
        ),
    )
