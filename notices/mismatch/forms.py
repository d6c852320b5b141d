"""Forms for mismatch cases. Anything shaped like a full My Number typed into a free field is
refused and blanked before the form can render it back; the correction form's number fields
are password inputs that never render a value."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from members.models import Employer
from members.validators import RosterValueError, parse_my_number
from notices.mismatch.rules import (
    FULL_NUMBER_REFUSED,
    InputRefused,
    parse_contact,
    parse_last4,
)
from notices.models import MismatchCase
from portal.validators import RefusesFullNumbers as SharedRefusal

_TEXT_ERRORS = {"null_characters_not_allowed": gettext_lazy("使用できない文字が含まれています。")}
REASON_MAX = 1000


class RefusesFullNumbers(SharedRefusal, forms.Form):
    """Free-text fields that must never take (or show) a full My Number (portal.validators)."""

    refusal_message = FULL_NUMBER_REFUSED


class VersionForm(RefusesFullNumbers):
    # The version of the case the person saw: the optimistic lock. A hidden field renders its
    # bound value back, so it is refused like free text (tests/test_properties_form_inputs.py).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def set_version(self, version: int) -> None:
        """After a refusal: the person has now seen the latest state, so a resubmit may go."""
        if self.is_bound:
            data = self.data.copy()
            data[self.add_prefix("version")] = str(version)
            self.data = data


class MismatchReportForm(RefusesFullNumbers):
    card_last4 = forms.CharField(
        label=gettext_lazy("お手元のマイナンバーカードの下4桁"),
        max_length=40,
        error_messages=_TEXT_ERRORS,
        help_text=gettext_lazy(
            "カード裏面の12桁の番号のうち、最後の4桁だけを入力してください(例: 1234)。"
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    contact = forms.CharField(
        label=gettext_lazy("ご連絡先(電話番号またはメールアドレス)"),
        max_length=254,
        error_messages=_TEXT_ERRORS,
        help_text=gettext_lazy("業務課から確認のご連絡をすることがあります。"),
    )
    comment = forms.CharField(
        label=gettext_lazy("コメント(任意)"),
        required=False,
        max_length=REASON_MAX,
        error_messages=_TEXT_ERRORS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("マイナンバー(12桁)は入力しないでください。"),
    )

    def clean_card_last4(self) -> str:
        try:
            return parse_last4(self.cleaned_data["card_last4"])
        except InputRefused as refused:
            raise forms.ValidationError(refused.message) from None

    def clean_contact(self) -> str:
        try:
            return parse_contact(self.cleaned_data["contact"])
        except InputRefused as refused:
            raise forms.ValidationError(refused.message) from None


MATCH_CHOICES = [("1", gettext_lazy("一致")), ("0", gettext_lazy("不一致"))]


class CheckForm(VersionForm):
    """The five items compared with the national register (住民基本台帳), each matched or not."""

    def __init__(self, *args: Any, case: MismatchCase | None = None, **kwargs: Any) -> None:
        initial = kwargs.pop("initial", {}) or {}
        if case is not None:
            initial.setdefault("version", case.version)
            for name in MismatchCase.CHECK_FIELDS:
                value = getattr(case, name)
                if value is not None:
                    initial.setdefault(name, "1" if value else "0")
        super().__init__(*args, initial=initial, **kwargs)
        for name in MismatchCase.CHECK_FIELDS:
            self.fields[name] = forms.TypedChoiceField(
                label=MismatchCase._meta.get_field(name).verbose_name,
                choices=MATCH_CHOICES,
                coerce=lambda value: value == "1",
                widget=forms.RadioSelect,
                error_messages={"required": gettext("一致・不一致を選んでください。")},
            )

    def check_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in MismatchCase.CHECK_FIELDS]

    def results(self) -> dict[str, bool]:
        return {name: self.cleaned_data[name] for name in MismatchCase.CHECK_FIELDS}


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=REASON_MAX,
        error_messages={**_TEXT_ERRORS, "required": gettext_lazy("理由を入力してください。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(ReasonForm):
    pass


class RejectForm(ReasonForm):
    pass


def _number_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=40,
        strip=True,
        error_messages={"required": gettext_lazy("個人番号を入力してください。")},
        # Masked, never rendered back, not offered to autofill.
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "inputmode": "numeric"}
        ),
    )


class ProposeForm(VersionForm):
    full_number_exempt = ("number", "number_confirm")
    number = _number_field(gettext_lazy("正しい個人番号(12桁)"))
    number_confirm = _number_field(gettext_lazy("確認のためもう一度"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        parsed = []
        for name in ("number", "number_confirm"):
            if name not in data:
                continue
            try:
                parsed.append(parse_my_number(data[name]))
            except RosterValueError as error:
                self.add_error(name, error.message)
        if len(parsed) == 2 and parsed[0] != parsed[1]:
            self.add_error("number_confirm", gettext("2回入力した個人番号が一致しません。"))
        # Only the parsed number goes on; the raw inputs leave cleaned_data.
        data.pop("number", None)
        data.pop("number_confirm", None)
        if len(parsed) == 2 and not self.errors:
            data["parsed_number"] = parsed[0]
        return data


class QueueFilterForm(SharedRefusal, forms.Form):
    STATUS_CHOICES = [
        ("", gettext_lazy("未完了すべて")),
        *[(status.value, status.label) for status in MismatchCase.Status],
        ("closed", gettext_lazy("完了すべて")),
    ]
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.all(),
        label=gettext_lazy("事業所"),
        required=False,
        empty_label=gettext_lazy("すべて"),
    )
    status = forms.ChoiceField(label=gettext_lazy("状態"), choices=STATUS_CHOICES, required=False)

    def statuses(self) -> list[str]:
        chosen = self.cleaned_data.get("status", "") if self.is_valid() else ""
        if chosen == "closed":
            return [MismatchCase.Status.CORRECTED, MismatchCase.Status.NO_ERROR]
        return [chosen] if chosen else list(MismatchCase.OPEN_STATUSES)
