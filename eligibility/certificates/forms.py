"""Forms of the bulk 資格確認書 issues: 職権交付 and renewals."""

from __future__ import annotations

from django import forms

from eligibility.certificates.batches import DEFAULT_RENEWAL_DAYS
from eligibility.fields import DATE_HELP, DateTextField


class ExOfficioForm(forms.Form):
    as_of = DateTextField(
        label="基準日",
        required=True,
        help_text=(
            "この日に加入していて、マイナ保険証の利用登録も有効な資格確認書もない方が対象です。"
            f"資格確認書はこの日から有効になります。{DATE_HELP}"
        ),
    )


class RenewalForm(forms.Form):
    days = forms.IntegerField(
        label="有効期限までの日数",
        min_value=1,
        max_value=366,
        initial=DEFAULT_RENEWAL_DAYS,
        required=False,
        error_messages={
            "invalid": "日数は数字で入力してください。",
            "min_value": "日数は1以上にしてください。",
            "max_value": "日数は366以下にしてください。",
        },
    )
