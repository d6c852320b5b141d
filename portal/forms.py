from __future__ import annotations

from allauth.account import forms as account_forms
from django import forms

from portal.audit_actions import ACTION_LABELS
from portal.models import Insurer
from portal.validators import RefusesFullNumbers


class InsurerForm(RefusesFullNumbers, forms.ModelForm):
    class Meta:
        model = Insurer
        fields = [
            "insurer_number",
            "name",
            "postal_code",
            "address",
            "business_phone",
            "helpdesk_phone",
            "helpdesk_hours",
            "portal_name",
        ]
        widgets = {
            "insurer_number": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 8}),
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric"}),
            "business_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "helpdesk_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }


class AuditFilterForm(RefusesFullNumbers, forms.Form):
    actor = forms.CharField(label="実行者(メールアドレス)", required=False)
    target = forms.CharField(label="対象ID・対象", required=False)
    action = forms.ChoiceField(label="操作", required=False)
    date_from = forms.DateField(
        label="開始日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="終了日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "すべて"), *sorted(ACTION_LABELS.items())]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("開始日は終了日より前の日付にしてください。")
        return data


# allauth's own forms render a refused login or address back into the page (and a failed login
# with twelve digits in the address reached the audit log's guard): these refuse a full number
# typed where the e-mail goes, as every form of the portal does (ACCOUNT_FORMS in settings).
# Passwords are never rendered back, and may hold any digits.


class LoginForm(RefusesFullNumbers, account_forms.LoginForm):
    full_number_exempt = ("password",)


class SignupForm(RefusesFullNumbers, account_forms.SignupForm):
    full_number_exempt = ("password1", "password2")


class ResetPasswordForm(RefusesFullNumbers, account_forms.ResetPasswordForm):
    pass


class AddEmailForm(RefusesFullNumbers, account_forms.AddEmailForm):
    pass
