"""Refused forms: an error summary at the top (role="alert", focusable, one link per field in
error), 必須 marks, and messages that name the field and say what to do, on every portal form
(portal.formrender, the FORM_RENDERER)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse

from portal.formrender import PortalFormRenderer
from tests.personas import make_user

pytestmark = pytest.mark.django_db

DJANGO_DEFAULT = "このフィールドは必須です"


def _summary(page: str) -> str:
    found = re.search(r'<div class="error-summary"[^>]*>.*?</div>', page, re.S)
    assert found, "no error summary"
    return found.group(0)


def test_the_insurer_form_summarises_its_errors_and_links_each_field(client, insurer, clerk):
    client.force_login(clerk)
    response = client.post(reverse("insurer_edit"), {"name": "", "postal_code": "1080074"})
    page = response.content.decode()
    summary = _summary(page)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert "data-error-summary" in summary and "autofocus" in summary
    assert '<a href="#id_name">保険者名称を入力してください。</a>' in summary
    assert 'href="#id_postal_code"' in summary
    assert page.index("error-summary") < page.index('id="id_name"')  # at the top
    assert DJANGO_DEFAULT not in page
    # The field itself: marked required, outlined, described by its error.
    assert re.search(
        r'<label for="id_name">保険者名称 <span class="required-mark">必須</span>', page
    )
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_name"', page) or re.search(
        r'<input[^>]*id="id_name"[^>]*aria-invalid="true"', page
    )
    assert "field--error" in page


def test_the_linking_form_names_each_missing_field(client, db):
    client.force_login(make_user("newcomer@example.jp", None))  # signed up, not yet linked
    empty = {"kigo": "", "bango": "", "birth_date": "", "code": ""}
    page = client.post(reverse("members:link"), empty).content.decode()
    summary = _summary(page)
    for label, field in [("記号", "kigo"), ("番号", "bango"), ("登録コード", "code")]:
        assert f'<a href="#id_{field}">{label}を入力してください。</a>' in summary
    assert DJANGO_DEFAULT not in page


def test_allauths_forms_get_the_same_summary_and_messages(client, db):
    page = client.post(reverse("account_login"), {}).content.decode()
    summary = _summary(page)
    assert 'href="#id_login"' in summary and 'href="#id_password"' in summary
    assert "パスワードを入力してください。" in summary
    assert DJANGO_DEFAULT not in page


def test_a_form_without_errors_has_no_summary(client, clerk, insurer):
    client.force_login(clerk)
    page = client.get(reverse("insurer_edit")).content.decode()
    assert "error-summary" not in page
    assert '<span class="required-mark">必須</span>' in page


class _Sample(forms.Form):
    name = forms.CharField(label="氏名")
    kind = forms.ChoiceField(label="種別", choices=[("a", "A")])
    agree = forms.BooleanField(label="同意")
    picture = forms.FileField(label="画像")
    count = forms.IntegerField(label="人数", required=False)
    own = forms.CharField(label="理由", error_messages={"required": "理由を書いてください。"})
    born = forms.DateField(label="生年月日", required=False)
    mail = forms.EmailField(label="メールアドレス", required=False)
    short = forms.CharField(label="フリガナ", max_length=3, required=False)
    regex = forms.RegexField(label="記号", regex=r"^[0-9]+$", required=False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "氏名を入力してください。"),
        ("kind", "", "種別を選んでください。"),
        ("agree", "", "同意にチェックを入れてください。"),
        ("picture", "", "画像を選んでください。"),
        ("own", "", "理由を書いてください。"),  # the form's own wording stays
        ("count", "many", "人数:"),  # Django's fix, with the field named
        ("born", "2020-13-45", "生年月日:"),
        ("mail", "not-an-address", "メールアドレス:"),  # a validator's message, named too
        ("short", "アイウエオ", "フリガナ:"),
        ("regex", "abc", "記号:"),
    ],
)
def test_each_kind_of_field_names_itself(field, value, message):
    form = _Sample(data={field: value}, renderer=PortalFormRenderer())
    assert not form.is_valid()
    assert form[field].errors[0].startswith(message)


def test_every_form_uses_the_portal_renderer_and_the_page_script_is_static():
    assert settings.FORM_RENDERER == "portal.formrender.PortalFormRenderer"
    assert isinstance(_Sample().renderer, PortalFormRenderer)
    script = (settings.BASE_DIR / "static" / "js" / "portal.js").read_text()
    assert "data-error-summary" in script and "focus()" in script


def test_a_save_confirmation_is_brought_into_view(client, clerk, insurer):
    client.force_login(clerk)
    data = {
        "insurer_number": insurer.insurer_number,
        "name": insurer.name,
        "postal_code": insurer.postal_code,
        "address": insurer.address,
        "business_phone": insurer.business_phone,
        "helpdesk_phone": insurer.helpdesk_phone,
        "helpdesk_hours": insurer.helpdesk_hours,
        "portal_name": insurer.portal_name,
    }
    page = client.post(reverse("insurer_edit"), data, follow=True).content.decode()
    assert re.search(r'<div class="messages" role="status" tabindex="-1" data-messages>', page)
    assert "保険者情報を保存しました。" in page
    assert '<script src="/static/js/portal.js" defer></script>' in page
    assert "<script>" not in page  # no inline script (CSP)
