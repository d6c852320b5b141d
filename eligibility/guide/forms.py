"""The public guide's three questions."""

from __future__ import annotations

from django import forms

from eligibility.fields import YES_NO
from portal.validators import RefusesFullNumbers


class GuideForm(RefusesFullNumbers, forms.Form):
    card = forms.ChoiceField(
        label="マイナンバーカードをお持ちですか？",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    registered = forms.ChoiceField(
        label="マイナンバーカードを健康保険証として利用登録していますか？",
        choices=[*YES_NO, ("unknown", "わからない")],
        required=False,
        widget=forms.RadioSelect,
    )
    smartphone = forms.ChoiceField(
        label="スマートフォンをお持ちですか？",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
