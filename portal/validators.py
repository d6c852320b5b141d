"""The one refusal of full My Numbers in free text, for every form, CSV and import.

A value holding twelve digits (portal.models.contains_full_number: half- or full-width, with
any run of spaces or hyphens between) is refused with a message that never repeats it. Forms
mix in RefusesFullNumbers, which also blanks the value so the page never renders it back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from portal.models import contains_full_number

FULL_NUMBER_MESSAGE = gettext_noop(
    "12桁の数字(マイナンバーの形)は入力できません。マイナンバーはウェブではお受けしていません。"
    "入力された内容は保存も表示もしていません。"
)


def refuse_full_number(value: Any) -> None:
    """Django validator: refuses a value holding anything shaped like a full My Number."""
    if isinstance(value, str) and contains_full_number(value):
        raise ValidationError(gettext(FULL_NUMBER_MESSAGE), code="full_number")


class RefusesFullNumbers(forms.BaseForm):
    """Every submitted field of the form is checked before cleaning; a refused one is blanked
    (neither cleaned, nor stored, nor rendered back) and gets `refusal_message`."""

    refusal_message: str = FULL_NUMBER_MESSAGE
    # Fields left alone: the correction form's number fields (password inputs that never
    # render a value, whose errors never repeat it) and fields that check their own way (a
    # list checked line by line). Every other field, hidden ones and choices included, is
    # refused: Django renders a bound value back and names an invalid choice in its message.
    full_number_exempt: tuple[str, ...] = ()

    def full_clean(self) -> None:
        refused = []
        if self.is_bound:
            for name in self.fields:
                if name in self.full_number_exempt:
                    continue
                key = self.add_prefix(name)
                data = self.data
                values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
                if any(contains_full_number(str(value or "")) for value in values):
                    refused.append(name)
            if refused:
                data = self.data.copy()
                for name in refused:
                    data[self.add_prefix(name)] = ""
                self.data = data
        super().full_clean()
        for name in refused:
            if self._errors is not None:
                self._errors.pop(name, None)  # "required" for the blank field says nothing useful
            self.add_error(name, gettext(self.refusal_message))
            self.cleaned_data.pop(name, None)
