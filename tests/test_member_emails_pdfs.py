"""Issue 15: the e-mails speak as the portal, in Japanese, and lead to the exact notice or
case; the notice's and the certificate's PDFs print no text under 8 pt."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from eligibility import notifications
from eligibility.certificates import services as certificates
from notices import render, rules
from notices.mismatch import casework
from notices.models import MismatchCase
from portal import pdf as portal_pdf
from tests import notice_world
from tests.notice_world import issue as _issue
from tests.personas import PASSWORD
from tests.test_certificate_document import SNAPSHOT as CERTIFICATE
from tests.test_notice_layout import ELDERLY, _overflows
from tests.test_notice_layout import SNAPSHOT as NOTICE

household = notice_world.household  # the shared fixture, by name
BASE = settings.PORTAL_BASE_URL.rstrip("/")
SMALLEST_PT = 8.0


def test_the_sign_up_mail_speaks_as_the_portal(client, insurer):
    client.post(
        reverse("account_signup"),
        {"email": "new.member@example.jp", "password1": PASSWORD, "password2": PASSWORD},
    )
    (message,) = mail.outbox
    assert message.subject.startswith(f"[{insurer.portal_name}]")
    assert "メールアドレスの確認" in message.subject
    assert message.body.startswith(f"{insurer.portal_name}({insurer.name})からのお知らせです。")
    assert "こんにちは" not in message.body and "testserver です" not in message.body
    assert "Hello" not in message.body and "Thank you" not in message.body
    assert re.search(r"http://testserver/accounts/confirm-email/\S+/", message.body)
    assert "手順2/3" in message.body and insurer.helpdesk_phone in message.body


def test_the_new_notice_mail_links_to_each_notice(
    household, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = _issue(household["spouse"])
    (message,) = mailoutbox
    url = BASE + reverse("notices:member_notice", args=[notice.pk])
    assert url in message.body.split()
    assert f'href="{url}"' in message.alternatives[0].content


def test_the_closed_case_mail_links_to_the_case(household, mailoutbox):
    notice = _issue(household["spouse"])
    case = MismatchCase.objects.create(
        member=household["spouse"],
        notice=notice,
        registered_last4=notice.snapshot["last4"],
        reported_last4="4321",
        contact="090-0000-0000",
        status=MismatchCase.Status.NO_ERROR,
        closed_at=timezone.now(),
    )
    assert casework.notify_closed(case.pk)
    (message,) = mailoutbox
    assert BASE + reverse("members:mismatch_member_case", args=[case.pk]) in message.body.split()


def test_the_certificate_mail_links_to_the_persons_card(household, mailoutbox):
    spouse = household["spouse"]
    assert notifications.notify_households([spouse.pk]) == 1
    (message,) = mailoutbox
    assert f"{BASE}{reverse('members:home')}#person-{spouse.pk}" in message.body.split()


def _sizes(pdf: bytes) -> list[tuple[float, str]]:
    """Every piece of text on every page with its size in points as drawn: the font size
    times the text and graphics matrices' scale."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text, cm, tm, font, size):
            if text.strip():
                scale = abs(tm[0] * tm[3] - tm[1] * tm[2]) ** 0.5
                scale *= abs(cm[0] * cm[3] - cm[1] * cm[2]) ** 0.5
                found.append((round(size * scale, 2), text.strip()))

        page.extract_text(visitor_text=visit)
    return found


def _too_small(pdf: bytes) -> list[tuple[float, str]]:
    sizes = _sizes(pdf)
    assert sizes  # the text was read at all
    return [(size, text) for size, text in sizes if size < SMALLEST_PT]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="digits"),
        pytest.param(
            {
                "last4": "",
                "digits_reason": "no_number",
                "digits_message": "マイナンバーが未提出です。",
            },
            id="表示なし",
        ),
        pytest.param(
            {"copay_rate": "2割", "effective_from": "2024-10-01", "valid_until": "2025-07-31"},
            id="70-74",
        ),
    ],
)
def test_the_notice_prints_nothing_under_8_pt(changes):
    pdf = render.render_pdf([(NOTICE | changes, "a" * 32)])
    assert _too_small(pdf) == []


@pytest.mark.parametrize(
    "decision",
    [rules.ENROLLED_AFTER_CUTOFF, rules.SUBMIT_NUMBER, rules.NEEDS_VERIFICATION, rules.NO_NUMBER],
)
def test_every_no_digits_message_fits_the_70_to_74_form_at_8_pt(decision):
    # The 70-74 form's digits slot is the narrow one: the rows beside it keep it at 82 mm.
    elderly = {"copay_rate": "2割", "effective_from": "2024-10-01", "valid_until": "2025-07-31"}
    digits = {"last4": "", "digits_reason": decision.reason, "digits_message": decision.message}
    snapshot = NOTICE | elderly | digits
    assert _overflows(render.lay_out(render.form_html(render.form_key(snapshot)))) == []
    assert _too_small(render.render_pdf([(snapshot, "a" * 32)])) == []


def test_a_smaller_size_is_seen():
    # The check itself: text under 8 pt, through the same renderer, is found.
    html = '<p>八ポイント</p><p style="font-size: 7.5pt">七・五ポイント</p>'
    found = _too_small(portal_pdf.render_document(html, certificates.STYLESHEET))
    assert [text for _, text in found] == ["七・五ポイント"]


@pytest.mark.parametrize("length", [1, 22, 43, 88, 100])
@pytest.mark.parametrize("elderly", [{}, ELDERLY], ids=["plain", "70-74"])
def test_the_notice_prints_names_of_every_length_at_8_pt_or_more(length, elderly):
    name = ("髙橋　" * 40)[:length]
    pdf = render.render_pdf([(NOTICE | elderly | {"name": name, "name_kana": name}, "a" * 32)])
    assert _too_small(pdf) == []


@pytest.mark.parametrize("length", [6, 18, 38, 39, 100])
def test_the_certificate_prints_names_of_every_length_at_8_pt_or_more(length):
    pdf = certificates.render_pdf({**CERTIFICATE, "name": ("新井　久美子" * 20)[:length]})
    assert _too_small(pdf) == []


def test_the_digits_message_has_its_own_8_pt_class():
    html = render_to_string("notices/notice_form.html", {"form": {"shows_last4": False}})
    assert 'class="value f-last4 digits-message"' in html
