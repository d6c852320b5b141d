"""The one renderer of 資格情報のお知らせ: templates -> HTML -> PDF (WeasyPrint).

A notice is drawn in two layers, as forms are printed in bulk: the form (labels, frames, the
guidance, the insurer's details: the same for every notice of one insurer and one digits
rule) is laid out once per process and kept as a PDF; each notice lays out only its entries
(the member's values and the QR code) in the form's fixed slots, and the entries page is
drawn over the form (pikepdf). Laying out the whole page took WeasyPrint about 50 ms of a
75 ms notice; the entries alone take a fraction (docs/PERFORMANCE.md). A slot's text never
moves the rest of the page, so long names step down to 8 pt to fit (FIT), never smaller.

Layout goes through portal.pdf, the portal's one WeasyPrint path: nothing fetched from
outside (the QR code is a `data:` URI), and a missing glyph raises MissingGlyph.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pikepdf
import qrcode
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image
from weasyprint import Document

from notices.verification import verification_url
from portal import pdf
from portal.pdf import (
    STATIC_DIR,
    Fitted,
    MissingGlyph,
    RefusingFetcher,
    check_glyphs,
    fit_text,
    to_pdf,
)

# render_pdf raises MissingGlyph: callers of the notice renderer catch it from here.
__all__ = ["STATIC_DIR", "MissingGlyph", "RefusingFetcher", "lay_out", "render_pdf"]


STYLESHEET = STATIC_DIR / "css" / "notice-pdf.css"


# A pure function of the URL (the key is the whole input: a code is only ever served to a
# request that produced the same URL itself), so a member reopening the notice page skips
# encoding it again.
@functools.lru_cache(maxsize=512)
def qr_data_uri(url: str) -> str:
    """The QR code as a one-pixel-per-module PNG, scaled up by the stylesheet with
    `image-rendering: pixelated` so its edges stay sharp.

    An inline SVG was the first choice (DESIGN.md); measured, its path (a subpath per module)
    more than doubles a notice's render: 65 ms against 28 ms with this PNG, on the same
    machine in the same run. Both decode the same (tests/test_notices.py reads the code back
    from the rendered page)."""
    # A fixed mask: choosing the "best" of eight means encoding eight times (5 of 7 ms here);
    # any mask is valid and readers take it from the code itself.
    code = qrcode.QRCode(
        box_size=1, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0
    )
    code.add_data(url)
    code.make(fit=True)
    # The image straight from the module matrix (the border included): qrcode's own image
    # factory draws each module as a rectangle, a third of the QR code's time.
    matrix = code.get_matrix()
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    buffer = io.BytesIO()
    Image.frombytes("L", (len(matrix), len(matrix)), pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# --- fitting long texts into their slots ------------------------------------------------------

# Slots whose text can be long (names: up to 100 characters), with the font-size classes of
# static/css/notice-pdf.css they step down through and how many characters each holds there,
# from the largest size down; nothing prints under 8 pt. Every character counts as full width:
# IPAex's widest Latin letters nearly are (W: 0.93). Tests render every tier's limit and check
# the lines stay inside the slot. The main part holds the longest name at 8 pt; the card-sized
# part (85.6 mm wide) holds 40 characters and cuts a longer name with 「…」 (the main part above
# it, on the same sheet, has it whole).
FIT: dict[str, tuple[tuple[str, int], ...]] = {
    "name": (("", 42), ("fit-s", 100)),
    "insurer_name": (("", 22), ("fit-s", 58)),
    "card_name": (("", 40),),
}
FIT["name_kana"] = FIT["name"]
FIT["card_insurer_name"] = FIT["card_name"]


def fit(slot: str, text: str) -> Fitted:
    """How the slot prints the text: its size class, and the text (cut only past the last
    tier)."""
    return fit_text(FIT[slot], text)


# --- the two layers -------------------------------------------------------------------------

# What the form layer shows: the same for every notice of one insurer and one digits rule.
FORM_FIELDS = ("insurer_number", "insurer_name", "business_phone", "helpdesk_phone")


def form_key(snapshot: dict[str, Any]) -> tuple[Any, ...]:
    """Everything the form layer draws: the insurer, the digits rule, and whether the notice
    has the 70-74 rows (負担割合, 発効期日, 有効期限)."""
    return (
        *(snapshot[name] for name in FORM_FIELDS),
        bool(snapshot["last4"]),
        "" if snapshot["last4"] else snapshot["digits_message"],
        bool(snapshot.get("copay_rate")),
    )


def form_html(key: tuple[Any, ...]) -> str:
    """The form layer's HTML for one key of form_key."""
    form: dict[str, Any] = dict(zip(FORM_FIELDS, key, strict=False))
    form["shows_last4"], form["digits_message"], form["elderly"] = key[len(FORM_FIELDS) :]
    check_glyphs(value for value in form.values() if isinstance(value, str))
    form["fit"] = {
        "insurer_name": fit("insurer_name", form["insurer_name"]),
        "card_insurer_name": fit("card_insurer_name", form["insurer_name"]),
    }
    with translation.override("ja"):  # the notice is Japanese whoever asks (clinics read it)
        return render_to_string("notices/notice_form.html", {"form": form})


@functools.lru_cache(maxsize=32)
def form_pdf(key: tuple[Any, ...]) -> bytes:
    """The form layer for one key of form_key, rendered once per process."""
    return to_pdf(lay_out(form_html(key)))


def notice_context(snapshot: dict[str, Any], public_id: str) -> dict[str, Any]:
    """What the entries template needs: the snapshot, its dates as dates, the fitted sizes
    and the QR code."""
    url = verification_url(public_id)
    return {
        **snapshot,
        "birth_date": _as_date(snapshot["birth_date"]),
        "acquired_on": _as_date(snapshot["acquired_on"]),
        "issued_on": _as_date(snapshot["issued_on"]),
        # 70-74 only (notices issued before these existed have no such keys).
        "copay_rate": snapshot.get("copay_rate", ""),
        "effective_from": _as_date(snapshot.get("effective_from")),
        "valid_until": _as_date(snapshot.get("valid_until")),
        "fit": {
            "name": fit("name", snapshot["name"]),
            "name_kana": fit("name_kana", snapshot["name_kana"]),
            "card_name": fit("card_name", snapshot["name"]),
        },
        "verification_url": url,
        "qr": qr_data_uri(url),
    }


def _texts(snapshot: dict[str, Any]) -> list[str]:
    return [str(value) for value in snapshot.values() if isinstance(value, str)]


def entries_html(notices: Sequence[tuple[dict[str, Any], str]]) -> str:
    """The entries layer's HTML for one or more notices (snapshot, public id), a page each."""
    for snapshot, _ in notices:
        check_glyphs(_texts(snapshot))
    contexts = [notice_context(snapshot, public_id) for snapshot, public_id in notices]
    with translation.override("ja"):
        return render_to_string("notices/notice_entries.html", {"notices": contexts})


def compose(entries: bytes, forms: Sequence[bytes], *, for_joining: bool = False) -> bytes:
    """Each page of the entries drawn over its form (forms[i] for page i). A form used by
    several pages is embedded once, its fonts with it.

    `for_joining` writes PDF 1.4 with a classic cross-reference table and no object streams,
    the shape notices.pdfjoin reads; otherwise object streams make the file smaller."""
    output = io.BytesIO()
    with contextlib.ExitStack() as stack:
        document = stack.enter_context(pikepdf.open(io.BytesIO(entries)))
        embedded: dict[int, pikepdf.Object] = {}
        for page, form in zip(document.pages, forms, strict=True):
            if id(form) not in embedded:
                source = stack.enter_context(pikepdf.open(io.BytesIO(form)))
                xobject = source.pages[0].as_form_xobject()
                embedded[id(form)] = document.copy_foreign(xobject)
            page.add_underlay(embedded[id(form)])
        shape = (
            {"force_version": "1.4", "object_stream_mode": pikepdf.ObjectStreamMode.disable}
            if for_joining
            else {"object_stream_mode": pikepdf.ObjectStreamMode.generate}
        )
        document.save(output, deterministic_id=True, **shape)
    return output.getvalue()


def render_pdf(
    notices: Sequence[tuple[dict[str, Any], str]],
    fetcher: RefusingFetcher | None = None,
    *,
    for_joining: bool = False,
) -> bytes:
    """One or more notices (snapshot, public id) as one PDF, a page each."""
    entries = to_pdf(lay_out(entries_html(notices), fetcher=fetcher))
    forms = [form_pdf(form_key(snapshot)) for snapshot, _ in notices]
    return compose(entries, forms, for_joining=for_joining)


def lay_out(
    html: str, stylesheet: Path = STYLESHEET, fetcher: RefusingFetcher | None = None
) -> Document:
    """A notice layer laid out with the notice stylesheet."""
    return pdf.lay_out(html, stylesheet, fetcher)
