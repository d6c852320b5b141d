"""The one renderer of 資格情報のお知らせ: templates -> HTML -> PDF (WeasyPrint).

A notice is drawn in two layers, as forms are printed in bulk: the form (labels, frames, the
guidance, the insurer's details: the same for every notice of one insurer and one digits
rule) is laid out once per process and kept as a PDF; each notice lays out only its entries
(the member's values and the QR code) in the form's fixed slots, and the entries page is
drawn over the form (pikepdf). Laying out the whole page took WeasyPrint about 50 ms of a
75 ms notice; the entries alone take a fraction (docs/PERFORMANCE.md). A slot's text never
moves the rest of the page, so long names step down in size to fit (FIT).

It fetches nothing from outside: the stylesheet is handed over as a string, the QR code is a
`data:` URI, and the URL fetcher refuses every other scheme and any file outside the
project's static directory. Every character must be in the embedded fonts: a missing glyph
raises MissingGlyph instead of printing an empty box on someone's name.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import logging
import ssl
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pikepdf
import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from fontTools.ttLib import TTFont
from PIL import Image
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from notices.verification import verification_url

logger = logging.getLogger(__name__)

STATIC_DIR = Path(settings.BASE_DIR) / "static"
STYLESHEET = STATIC_DIR / "css" / "notice-pdf.css"
# IPAex Gothic for the text; IPAmj Mincho (58,000 glyphs, the registry of names in Japan's
# family registers) as the fallback for the rare kanji IPAex lacks, e.g. 𠮷.
FONT_FILES = (
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf"),
)


class MissingGlyph(ValueError):
    def __init__(self, characters: set[str]) -> None:
        listed = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in sorted(characters))
        super().__init__(f"characters without a glyph in the notice fonts: {listed}")
        self.characters = characters


class RefusingFetcher(URLFetcher):
    """Lets through `data:` URIs and the project's own static files, nothing else."""

    def __init__(self) -> None:
        # A shared TLS context: building a fresh one (loading the system's CA store) cost
        # 18 ms per notice, for HTTPS requests this fetcher never makes.
        super().__init__(
            allowed_protocols={"data", "file"}, allow_redirects=False, ssl_context=_tls_context()
        )
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> Any:
        if url.startswith("data:") or _is_static_file(url):
            return super().fetch(url, headers)
        self.refused.append(url)
        logger.warning("notice renderer refused to fetch %s", url[:100])
        raise ValueError("the notice renderer fetches nothing from outside")


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _is_static_file(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parts.path)).resolve()
    return path.is_relative_to(STATIC_DIR.resolve()) and path.is_file()


@functools.cache
def _covered_codepoints() -> frozenset[int]:
    covered: set[int] = set()
    for path in FONT_FILES:
        if path.exists():
            covered |= set(TTFont(path, lazy=True).getBestCmap())
    return frozenset(covered)


def missing_glyphs(texts: Iterable[str]) -> set[str]:
    covered = _covered_codepoints()
    return {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in covered}


def check_glyphs(texts: Iterable[str]) -> None:
    missing = missing_glyphs(texts)
    if missing:
        raise MissingGlyph(missing)


@functools.cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def _stylesheet(path: Path = STYLESHEET) -> CSS:
    # Parsed once per process: the same stylesheet serves every document of its kind.
    return CSS(string=path.read_text(encoding="utf-8"), font_config=_font_config())


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
# from the largest size down. Every character counts as full width: IPAex's widest Latin
# letters nearly are (W: 0.93). Tests render every tier's limit and check the lines stay
# inside the slot.
FIT: dict[str, tuple[tuple[str, int], ...]] = {
    "name": (("", 22), ("fit-s", 88), ("fit-xs", 150)),
    "card_name": (("", 40), ("fit-s", 50), ("fit-xs", 100)),
}
FIT["name_kana"] = FIT["insurer_name"] = FIT["name"]
FIT["card_insurer_name"] = FIT["card_name"]


def fit(slot: str, text: str) -> str:
    """The CSS class that makes the text fit its slot ("" for the regular size)."""
    tiers = FIT[slot]
    return next((css_class for css_class, most in tiers if len(text) <= most), tiers[-1][0])


# --- the two layers -------------------------------------------------------------------------

# What the form layer shows: the same for every notice of one insurer and one digits rule.
FORM_FIELDS = ("insurer_number", "insurer_name", "business_phone", "helpdesk_phone")


def form_key(snapshot: dict[str, Any]) -> tuple[Any, ...]:
    return (
        *(snapshot[name] for name in FORM_FIELDS),
        bool(snapshot["last4"]),
        "" if snapshot["last4"] else snapshot["digits_message"],
    )


def form_html(key: tuple[Any, ...]) -> str:
    """The form layer's HTML for one key of form_key."""
    form: dict[str, Any] = dict(zip(FORM_FIELDS, key, strict=False))
    form["shows_last4"], form["digits_message"] = key[len(FORM_FIELDS) :]
    check_glyphs(value for value in form.values() if isinstance(value, str))
    form["fit"] = {
        "insurer_name": fit("insurer_name", form["insurer_name"]),
        "card_insurer_name": fit("card_insurer_name", form["insurer_name"]),
    }
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
    return render_to_string("notices/notice_entries.html", {"notices": contexts})


def lay_out(
    html: str, stylesheet: Path = STYLESHEET, fetcher: RefusingFetcher | None = None
) -> Document:
    """HTML laid out into pages with the refusing fetcher, the shared fonts and a stylesheet
    from the static directory. Callers check their texts with check_glyphs first."""
    document = HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher or RefusingFetcher()
    )
    return document.render(stylesheets=[_stylesheet(stylesheet)], font_config=_font_config())


def to_pdf(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.write_pdf(buffer, uncompressed_pdf=False)
    return buffer.getvalue()


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


def render_document(html: str, stylesheet: Path, fetcher: RefusingFetcher | None = None) -> bytes:
    """Any other document (the 資格確認書) through the same machinery."""
    return to_pdf(lay_out(html, stylesheet, fetcher))
