"""The staff search form: one box for 記号・番号 or a name, a birth date, an employer."""

from __future__ import annotations

from datetime import date

from django import forms

from members.models import Employer
from members.search import (
    MY_NUMBER_REFUSED,
    ParsedQuery,
    SearchInputError,
    parse_birth_date,
    parse_query,
)
from portal.validators import RefusesFullNumbers

_TEXT_ERRORS = {"null_characters_not_allowed": "使用できない文字が含まれています。"}


class MemberSearchForm(RefusesFullNumbers, forms.Form):
    # A My Number typed into a box is refused and not even echoed back into the page.
    refusal_message = MY_NUMBER_REFUSED

    q = forms.CharField(
        label="氏名・カナ・記号番号",
        required=False,
        max_length=100,
        error_messages=_TEXT_ERRORS,
        help_text="例: 山田 花子、やまだ、ﾔﾏﾀﾞ、1201-15(一部だけでも検索できます)",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    birth_date = forms.CharField(
        label="生年月日",
        required=False,
        max_length=30,
        error_messages=_TEXT_ERRORS,
        help_text="例: 1985-04-01、昭和60年4月1日、S60.4.1",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.all(), label="事業所", required=False, empty_label="すべて"
    )
    include_lost = forms.BooleanField(label="喪失者を含む", required=False, initial=True)

    def clean_q(self) -> ParsedQuery:
        try:
            return parse_query(self.cleaned_data["q"])
        except SearchInputError as error:
            raise forms.ValidationError(error.message) from None

    def clean_birth_date(self) -> date | None:
        try:
            return parse_birth_date(self.cleaned_data["birth_date"])
        except SearchInputError as error:
            raise forms.ValidationError(error.message) from None

    def has_criteria(self) -> bool:
        data = self.cleaned_data
        return not data["q"].is_empty or bool(data["birth_date"] or data["employer"])


class CopayMissingForm(RefusesFullNumbers, forms.Form):
    """The worklist's 基準日: blank for today, 西暦 or 和暦 as in the search form."""

    refusal_message = MY_NUMBER_REFUSED

    day = forms.CharField(
        label="基準日",
        required=False,
        max_length=30,
        error_messages=_TEXT_ERRORS,
        help_text="空欄なら本日。例: 2026-08-01、令和8年8月1日、R8.8.1",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_day(self) -> date | None:
        try:
            # Any day in the forms a birth date is searched by.
            return parse_birth_date(self.cleaned_data["day"])
        except SearchInputError as error:
            raise forms.ValidationError(error.message) from None
