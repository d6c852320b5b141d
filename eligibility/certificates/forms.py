"""Forms of the bulk 資格確認書 issues: 職権交付 and renewals."""

from __future__ import annotations

from typing import Any

from django import forms

from eligibility.certificates.batches import DEFAULT_RENEWAL_DAYS
from eligibility.fields import DATE_HELP, DateTextField
from portal.validators import RefusesFullNumbers


class ExOfficioForm(RefusesFullNumbers, forms.Form):
    as_of = DateTextField(
        label="基準日",
        required=True,
        help_text=(
            "この日に加入していて、マイナ保険証の利用登録も有効な資格確認書もない方が対象です。"
            f"資格確認書はこの日から有効になります。{DATE_HELP}"
        ),
    )


class RenewalForm(RefusesFullNumbers, forms.Form):
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


class PkListField(forms.Field):
    """The ids of the rows ticked on a list, as the page wrote them: whole numbers. Anything
    else refuses the whole selection (dropping a bad value silently could turn "these" into
    "all of them"), and nothing reaches the database that it could not take as an id."""

    widget = forms.MultipleHiddenInput
    MAX_DIGITS = 18  # a bigint's range; str.isdigit() alone takes "²" and 5,000 digits

    def to_python(self, value: Any) -> list[int]:
        items = [value] if isinstance(value, str) else list(value or [])
        pks = []
        for item in items:
            text = str(item)
            if not (text.isascii() and text.isdigit() and len(text) <= self.MAX_DIGITS):
                raise forms.ValidationError(
                    "選択した資格確認書の指定が正しくありません。", code="invalid"
                )
            pks.append(int(text))
        return pks


class RenewalSelectionForm(forms.Form):
    """The certificates ticked for renewal (none: every one listed). Never rendered."""

    certificate = PkListField(required=False)
