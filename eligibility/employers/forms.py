"""Forms of the staff pages for employer accounts: invitation and the list's filter."""

from __future__ import annotations

from django import forms

from members.models import Employer
from portal.validators import RefusesFullNumbers


class InviteForm(RefusesFullNumbers, forms.Form):
    employer = forms.ModelChoiceField(
        label="事業所",
        queryset=Employer.objects.order_by("kigo"),
        empty_label="選んでください",
        error_messages={
            "required": "事業所を選んでください。",
            "invalid_choice": "事業所の指定が正しくありません。",
        },
    )
    email = forms.EmailField(
        label="担当者のメールアドレス",
        max_length=254,
        error_messages={
            "required": "メールアドレスを入力してください。",
            "invalid": "メールアドレスの形が正しくありません。",
        },
    )


class EmployerUserFilterForm(RefusesFullNumbers, forms.Form):
    employer = forms.ModelChoiceField(
        label="事業所",
        queryset=Employer.objects.order_by("kigo"),
        required=False,
        empty_label="全事業所",
        error_messages={"invalid_choice": "事業所の指定が正しくありません。"},
    )
