"""Forms for the eligibility pages. Dates are typed as the roster writes them (西暦 or 和暦)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from eligibility.fields import DATE_HELP, YES_NO, DateTextField
from eligibility.models import EligibilityCertificate, LegacyCard, MynaRegistration
from portal.validators import RefusesFullNumbers


def _not_after(form: forms.Form, name: str, today: date) -> None:
    value = form.cleaned_data.get(name)
    if value is not None and value > today:
        form.add_error(name, "未来の日付は入力できません。")


class RegistrationForm(RefusesFullNumbers, forms.Form):
    status = forms.ChoiceField(
        label="マイナ保険証の利用登録",
        choices=MynaRegistration.Status.choices,
        widget=forms.RadioSelect,
    )
    registered_on = DateTextField(
        label="利用登録日",
        help_text=f"不明なら空欄(記録済みの日付をそのまま使います)。{DATE_HELP}",
    )
    cancellation_applied_on = DateTextField(
        label="利用登録解除の申請日",
        help_text=f"解除の場合に入力します。翌月末まではマイナ保険証として使えます。{DATE_HELP}",
    )
    card_certificate_expires_on = DateTextField(
        label="マイナンバーカードの電子証明書の有効期限",
        help_text=f"期限の月末から3か月間はマイナ保険証として使えます。{DATE_HELP}",
    )
    has_card = forms.ChoiceField(
        label="マイナンバーカードの所持",
        choices=[("", "不明"), ("yes", "持っている"), ("no", "持っていない")],
        required=False,
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    @classmethod
    def initial_for(cls, registration: MynaRegistration | None) -> dict[str, Any]:
        if registration is None:
            return {"status": MynaRegistration.Status.NOT_REGISTERED}
        return {
            "status": registration.status,
            # Estimated dates stay out of the boxes: saving the form must not make them "known".
            "registered_on": None
            if registration.registered_on_estimated
            else registration.registered_on,
            "cancellation_applied_on": None
            if registration.cancellation_estimated
            else registration.cancellation_applied_on,
            "card_certificate_expires_on": registration.card_certificate_expires_on,
            "has_card": {None: "", True: "yes", False: "no"}[registration.has_card],
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _not_after(self, "registered_on", self.today)
        _not_after(self, "cancellation_applied_on", self.today)
        data["has_card"] = {"": None, "yes": True, "no": False}.get(data.get("has_card") or "")
        return data


class LegacyCardForm(RefusesFullNumbers, forms.Form):
    issued = forms.BooleanField(label="健康保険証(従来の保険証)を交付している", required=False)
    issued_on = DateTextField(label="交付日")
    expires_on = DateTextField(
        label="券面の有効期限",
        help_text=f"券面に有効期限がなければ空欄。{DATE_HELP}",
    )

    @classmethod
    def initial_for(cls, card: LegacyCard | None) -> dict[str, Any]:
        if card is None:
            return {"issued": False}
        return {"issued": True, "issued_on": card.issued_on, "expires_on": card.expires_on}


class CertificateForm(RefusesFullNumbers, forms.Form):
    issued_on = DateTextField(label="交付年月日", required=True)
    valid_from = DateTextField(label="有効期間の開始日", required=True)
    valid_to = DateTextField(
        label="有効期限",
        help_text=f"空欄なら当組合の標準の有効期間で登録します(最長5年)。{DATE_HELP}",
    )
    returned_on = DateTextField(label="返却日")
    revoked_on = DateTextField(label="無効とした日")
    needs_assistance = forms.BooleanField(
        label="要配慮者に交付した(マイナ保険証の利用登録を続けたまま持てます)",
        required=False,
    )

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:  # a new certificate is neither returned nor revoked yet
            del self.fields["returned_on"]
            del self.fields["revoked_on"]
        else:
            del self.fields["needs_assistance"]  # set when recorded; a new one changes it
            self.fields["valid_to"].required = True
            self.fields["valid_to"].help_text = DATE_HELP

    @classmethod
    def initial_for(cls, certificate: EligibilityCertificate) -> dict[str, Any]:
        return {
            name: getattr(certificate, name)
            for name in ("issued_on", "valid_from", "valid_to", "returned_on", "revoked_on")
        }


class SmartphoneForm(RefusesFullNumbers, forms.Form):
    has_smartphone = forms.ChoiceField(choices=YES_NO)
