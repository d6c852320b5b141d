"""Forms of the employer pages, the review queue, employer accounts and bulk issues."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from eligibility.applications.csv_upload import MAX_BYTES
from eligibility.applications.services import REASON_DETAIL_MAX, RETURN_REASON_MAX
from eligibility.fields import TEXT_ERRORS
from eligibility.models import CertificateApplication
from members.models import Member
from members.search import MY_NUMBER_REFUSED
from portal.validators import RefusesFullNumbers


class PeopleSearchForm(RefusesFullNumbers, forms.Form):
    # A My Number typed into the box is refused and not even echoed back into the page.
    refusal_message = MY_NUMBER_REFUSED

    q = forms.CharField(
        label="氏名・カナ・記号番号",
        required=False,
        max_length=100,
        error_messages=TEXT_ERRORS,
        help_text="例: 山田 花子、やまだ、1201-15",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    include_lost = forms.BooleanField(label="資格を喪失した方も表示する", required=False)


class ApplicationForm(RefusesFullNumbers, forms.Form):
    """One household: tick the people, pick the reason. Ineligible people are listed with why,
    but cannot be ticked."""

    people = forms.MultipleChoiceField(
        label="申請する方",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "申請する方を1人以上選んでください。",
            "invalid_choice": "申請できない方が選ばれています。",
        },
    )
    reason = forms.ChoiceField(
        label="申請理由",
        choices=CertificateApplication.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "申請理由を選んでください。"},
    )
    reason_detail = forms.CharField(
        label="理由の詳細(「その他」のときは必須)",
        required=False,
        max_length=REASON_DETAIL_MAX,
        error_messages=TEXT_ERRORS,
        help_text=(
            "「その他」を選んだときは理由を、「要配慮者(その他)」のときは事情を入力してください。"
            "要配慮者の方は、マイナ保険証の利用登録を続けたまま申請できます。"
        ),
    )

    def __init__(self, *args: Any, eligible: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_pk = {str(member.pk): member for member in eligible}
        self.fields["people"].choices = [
            (str(member.pk), f"{member.name}({member.get_relation_display()})")
            for member in eligible
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reason, detail = data.get("reason"), (data.get("reason_detail") or "").strip()
        if reason == CertificateApplication.Reason.OTHER and not detail:
            self.add_error("reason_detail", "「その他」のときは、理由を具体的に入力してください。")

        return data

    @property
    def selected(self) -> list[Member]:
        return [self.by_pk[pk] for pk in self.cleaned_data.get("people", [])]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="申請ファイル(CSV)",
        help_text="文字コードは UTF-8 または Shift_JIS。1ファイル1,000行まで。",
        error_messages={
            "required": "ファイルを選んでください。",
            "empty": "ファイルが空です。",
            "invalid": "ファイルを選んでください。",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                "ファイルが大きすぎます(上限 1MB)。分けて申請してください。"
            )
        return upload


class ReturnForm(RefusesFullNumbers, forms.Form):
    return_reason = forms.CharField(
        label="差戻しの理由(事業所に表示されます)",
        max_length=RETURN_REASON_MAX,
        error_messages={"required": "差戻しの理由を入力してください。", **TEXT_ERRORS},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
