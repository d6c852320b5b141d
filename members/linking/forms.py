"""Forms for members and staff; the values go through the roster's own validators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django import forms
from django.utils.translation import gettext, gettext_lazy

from members.dates import parse_roster_date
from members.models import Employer
from members.validators import RosterValueError, parse_bango, parse_kigo
from portal.validators import RefusesFullNumbers


def _roster_value[T](parse: Callable[[str], T], value: str) -> T:
    try:
        return parse(value)
    except RosterValueError as error:
        raise forms.ValidationError(error.message) from None


class LinkForm(RefusesFullNumbers, forms.Form):
    kigo = forms.CharField(
        label=gettext_lazy("記号"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    bango = forms.CharField(
        label=gettext_lazy("番号"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = forms.CharField(
        label=gettext_lazy("生年月日(被保険者本人)"),
        max_length=30,
        help_text=gettext_lazy("例: 1985-04-01、昭和60年4月1日"),
        widget=forms.TextInput(attrs={"autocomplete": "bday"}),
    )
    code = forms.CharField(
        label=gettext_lazy("登録コード"),
        max_length=30,
        help_text=gettext_lazy(
            "当組合から郵送した「登録コードのお知らせ」に記載の12文字(例: ABCD-EFGH-JKMN)"
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_kigo(self) -> str:
        return _roster_value(parse_kigo, self.cleaned_data["kigo"])

    def clean_bango(self) -> str:
        return _roster_value(parse_bango, self.cleaned_data["bango"])

    def clean_birth_date(self) -> date:
        return _roster_value(parse_roster_date, self.cleaned_data["birth_date"])


class MailingListForm(forms.Form):
    employer = forms.ModelChoiceField(
        label=gettext_lazy("事業所"),
        queryset=Employer.objects.order_by("kigo"),
        required=False,
        empty_label=gettext_lazy("全事業所"),
    )


class UnlinkForm(RefusesFullNumbers, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("解除の理由"),
        max_length=200,
        help_text=gettext_lazy(
            "監査記録に残ります(例: ご家族が誤って連携したため、ご本人から申し出)。"
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("解除の理由を入力してください。"))
        return reason
