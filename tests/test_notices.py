"""資格情報のお知らせ: issued, rendered, stored, immutable. The PDFs are parsed."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pypdfium2
import pytest
import zxingcpp
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML

from notices import render, services
from notices.models import Notice
from notices.verification import verification_url
from portal.models import AuditEvent
from tests import notice_world
from tests.notice_world import NUMBERS
from tests.notice_world import issue as _issue
from tests.notice_world import pdf_text as _text

# The shared fixture, by name (tests/notice_world.py).
household = notice_world.household


def test_the_notice_shows_its_fields_and_the_last_four_digits(household):
    notice = _issue(household["insured"])
    pages, text = _text(services.pdf_bytes(notice))
    assert pages == 1
    for expected in [
        "資格情報のお知らせ",
        "髙橋　花子",
        "タカハシ　ハナコ",
        "1201",
        "昭和60年4月1日",
        "平成22年4月1日",
        "06139992",
        "日本自動車部品工業健康保険組合",
        NUMBERS["insured"][-4:],
        "03-3443-4256",
        "03-5213-4467",
        "切り取り線",  # the card-sized part is there
        "これだけでは保険診療を受けられません",
    ]:
        assert expected in text, expected
    assert NUMBERS["insured"] not in text.replace(" ", "").replace("\n", "")
    assert NUMBERS["insured"][:8] not in text
    assert notice.shows_last4 and notice.snapshot["last4"] == NUMBERS["insured"][-4:]
    assert len(services.pdf_bytes(notice)) < 80_000


def test_a_member_who_joined_after_the_cut_off_gets_no_digits_and_the_reason(household):
    notice = _issue(household["child"], Notice.Reason.ENROLMENT)
    _, text = _text(services.pdf_bytes(notice))
    assert "表示なし" in text
    assert "令和6年10月以降に加入" in text
    assert not notice.shows_last4


def test_rare_kanji_in_names_are_printed(household):
    for person in household.values():
        _, text = _text(services.pdf_bytes(_issue(person)))
        assert person.name in text


def test_a_character_without_a_glyph_is_an_error_not_a_blank_box(household):
    person = household["insured"]
    person.name = "髙橋　\U000f0001"  # private use: in no font
    person.save()
    with pytest.raises(render.MissingGlyph) as raised:
        _issue(person)
    assert "U+F0001" in str(raised.value)
    assert not Notice.objects.filter(member=person).exists()


def _qr_text(pdf: bytes) -> str:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=4).to_pil()
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return results[0].text


def test_the_qr_code_reads_as_the_verification_url(household):
    notice = _issue(household["insured"])
    url = _qr_text(services.pdf_bytes(notice))
    assert url == verification_url(notice.public_id)
    assert "髙橋" not in url and "1201" not in url.split("/verify/")[1][:4]


def test_a_new_notice_supersedes_the_current_one(household):
    first = _issue(household["insured"])
    second = _issue(household["insured"], Notice.Reason.REISSUE)
    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.state == "superseded" and first.superseded_by == second
    assert second.state == "current"
    assert AuditEvent.objects.filter(action="notice.issue").count() == 2


def test_the_stored_pdf_is_what_every_download_returns(client, household, member):
    notice = _issue(household["insured"])
    client.force_login(member)
    first = b"".join(client.get(reverse("notices:member_notice_pdf", args=[notice.pk])))
    second = b"".join(client.get(reverse("notices:member_notice_pdf", args=[notice.pk])))
    assert first == second
    assert hashlib.sha256(first).hexdigest() == notice.pdf_sha256
    assert AuditEvent.objects.filter(action="notice.download", actor=member).count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"snapshot": {"name": "偽物"}},
        {"shows_last4": False},
        {"version": 9},
        {"public_id": "guessable"},
    ],
)
def test_an_issued_notice_cannot_be_rewritten(household, change):
    notice = _issue(household["insured"])
    with pytest.raises(DatabaseError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(**change)


def test_an_issued_notice_cannot_be_deleted_nor_its_pdf_replaced(household):
    notice = _issue(household["insured"])
    with pytest.raises(DatabaseError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(pdf_sha256="0" * 64)
    Notice.objects.filter(pk=notice.pk).update(revoked_at=timezone.now())  # allowed


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_renderer_fetches_nothing_from_outside():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    outside = [
        "file:///etc/passwd",
        "http://127.0.0.1:9/tracker.png",
        f"http://127.0.0.1:{port}/image.png",
        f"http://127.0.0.1:{port}/style.css",
    ]
    evil = (
        f'<html><head><link rel="stylesheet" href="{outside[3]}"></head><body>'
        f'<img src="{outside[0]}"><img src="{outside[1]}"><img src="{outside[2]}">'
        f'<p style="background: url({outside[0]})">x</p></body></html>'
    )
    fetcher = render.RefusingFetcher()
    pdf = HTML(string=evil, base_url=render.STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    pdf = pdf.write_pdf()
    server.shutdown()
    assert _Recorder.hits == []
    assert set(outside) <= set(fetcher.refused)
    assert b"root:" not in pdf


def test_names_cannot_smuggle_markup_into_the_pdf(household):
    person = household["insured"]
    person.name = '<img src="file:///etc/passwd">'
    person.save()
    _, text = _text(services.pdf_bytes(_issue(person)))
    assert '<img src="file:///etc/passwd">' in text
