"""Form fields that several eligibility forms share: dates in 西暦 or 和暦, yes/no."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from members.dates import parse_roster_date
from members.validators import RosterValueError

DATE_MAX = 30
YES_NO = [("yes", gettext_lazy("はい")), ("no", gettext_lazy("いいえ"))]
TEXT_ERRORS = {"null_characters_not_allowed": gettext_lazy("使用できない文字が含まれています。")}


DATE_HELP = gettext_lazy("例: 2025-12-02、令和7年12月2日、R7.12.2")


class DateTextField(forms.CharField):
    """A date typed in any form the roster allows; empty is None unless required."""

    def __init__(self, *, label: str, required: bool = False, help_text: str = DATE_HELP) -> None:
        super().__init__(
            label=label,
            required=required,
            help_text=help_text,
            error_messages=TEXT_ERRORS,
            # No max_length: its validator would run on the parsed date; checked below instead.
            widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": DATE_MAX}),
        )

    def prepare_value(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        if isinstance(value, date):
            return value
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > DATE_MAX:
            raise forms.ValidationError(
                gettext("日付は%(max)s文字以内で入力してください。") % {"max": DATE_MAX}
            )
        try:
            return parse_roster_date(text)
        except RosterValueError as error:
            raise forms.ValidationError(error.message) from None
