"""The one renderer of 資格情報のお知らせ: template -> HTML -> PDF (WeasyPrint).

It fetches nothing from outside: the stylesheet is handed over as a string, the QR code is an
inline SVG `data:` URI, and the URL fetcher refuses every other scheme and any file outside the
project's static directory. Every character must be in the embedded fonts: a missing glyph
raises MissingGlyph instead of printing an empty box on someone's name.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import ssl
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from fontTools.ttLib import TTFont
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

    An SVG was the first choice (DESIGN.md); measured, WeasyPrint spent about 10 ms of each
    ~90 ms notice parsing and drawing its path, against well under 1 ms for this PNG, and both
    decode the same (tests/test_notices.py reads the code back from the rendered page)."""
    # A fixed mask: choosing the "best" of eight means encoding eight times (5 of 7 ms here);
    # any mask is valid and readers take it from the code itself.
    code = qrcode.QRCode(
        box_size=1, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0
    )
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def notice_context(snapshot: dict[str, Any], public_id: str) -> dict[str, Any]:
    """What the templates need: the snapshot, its dates as dates, and the QR code."""
    url = verification_url(public_id)
    return {
        **snapshot,
        "birth_date": _as_date(snapshot["birth_date"]),
        "acquired_on": _as_date(snapshot["acquired_on"]),
        "issued_on": _as_date(snapshot["issued_on"]),
        "verification_url": url,
        "qr": qr_data_uri(url),
    }


def _texts(snapshot: dict[str, Any]) -> list[str]:
    return [str(value) for value in snapshot.values() if isinstance(value, str)]


def render_html(notices: Sequence[tuple[dict[str, Any], str]]) -> str:
    """The PDF's HTML for one or more notices (snapshot, public id), one A4 page each."""
    for snapshot, _ in notices:
        check_glyphs(_texts(snapshot))
    contexts = [notice_context(snapshot, public_id) for snapshot, public_id in notices]
    return render_to_string("notices/notice_document.html", {"notices": contexts})


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


def render_pdf(
    notices: Sequence[tuple[dict[str, Any], str]], fetcher: RefusingFetcher | None = None
) -> bytes:
    return to_pdf(lay_out(render_html(notices), fetcher=fetcher))


def render_document(html: str, stylesheet: Path, fetcher: RefusingFetcher | None = None) -> bytes:
    """Any other document (the 資格確認書) through the same machinery."""
    return to_pdf(lay_out(html, stylesheet, fetcher))
