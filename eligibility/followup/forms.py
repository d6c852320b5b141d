"""The filter of the no-valid-document list."""

from __future__ import annotations

from django import forms

from eligibility.fields import DATE_HELP, DateTextField
from members.models import Employer
from portal.validators import RefusesFullNumbers


class NoDocumentFilterForm(RefusesFullNumbers, forms.Form):
    employer = forms.ModelChoiceField(
        label="事業所",
        queryset=Employer.objects.order_by("kigo"),
        required=False,
        empty_label="全事業所",
        error_messages={"invalid_choice": "事業所の指定が正しくありません。"},
    )
    day = DateTextField(label="基準日", help_text=f"空欄なら本日。{DATE_HELP}")
