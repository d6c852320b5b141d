"""The one WeasyPrint path of the portal: HTML and a stylesheet from the static directory in,
PDF out. The notices (notices.render) and the 資格確認書 (eligibility.certificates) both render
through it, with the same fonts and the same refusals.

It fetches nothing from outside: stylesheets are handed over as strings, images are `data:`
URIs, and the URL fetcher refuses every other scheme and any file outside the project's static
directory. Every character must be in the embedded fonts: a missing glyph raises MissingGlyph
instead of printing an empty box on someone's name.
"""

from __future__ import annotations

import functools
import io
import logging
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)


STATIC_DIR = Path(settings.BASE_DIR) / "static"


# IPAex Gothic for the text; IPAmj Mincho (58,000 glyphs, the registry of names in Japan's
# family registers) as the fallback for the rare kanji IPAex lacks, e.g. 𠮷.
FONT_FILES = (
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf"),
)
# Documents in a member's language (the notice's explanation): DejaVu Sans first for Latin
# text with Vietnamese and Portuguese diacritics, which IPAex lacks; the Japanese fonts after.
MEMBER_LANGUAGE_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), *FONT_FILES)


@dataclass(frozen=True)
class Fitted:
    """A text as a fixed-size slot prints it: the size class, and the text itself, cut with
    「…」 when even the last size cannot hold it (`cut`: the document then shows it whole
    elsewhere)."""

    css_class: str
    text: str
    cut: bool = False


CUT_MARK = "…"


def fit_text(tiers: Sequence[tuple[str, int]], text: str, *, cut_mark: str = CUT_MARK) -> Fitted:
    """The first size class of `tiers` ((css class, most characters it holds), largest size
    first) that holds `text`. Past the last tier the text is cut to that tier's length, mark
    included, rather than printed under 8 pt: no print of the portal goes smaller."""
    for css_class, most in tiers:
        if len(text) <= most:
            return Fitted(css_class, text)
    css_class, most = tiers[-1]
    return Fitted(css_class, text[: most - len(cut_mark)] + cut_mark, cut=True)


class MissingGlyph(ValueError):
    def __init__(self, characters: set[str]) -> None:
        listed = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in sorted(characters))
        super().__init__(f"characters without a glyph in the PDF fonts: {listed}")
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
        logger.warning("PDF renderer refused to fetch %s", url[:100])
        raise ValueError("the PDF renderer fetches nothing from outside")


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
def _covered_codepoints(fonts: tuple[Path, ...] = FONT_FILES) -> frozenset[int]:
    covered: set[int] = set()
    for path in fonts:
        if path.exists():
            covered |= set(TTFont(path, lazy=True).getBestCmap())
    return frozenset(covered)


def missing_glyphs(texts: Iterable[str], fonts: tuple[Path, ...] = FONT_FILES) -> set[str]:
    covered = _covered_codepoints(fonts)
    return {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in covered}


def check_glyphs(texts: Iterable[str], fonts: tuple[Path, ...] = FONT_FILES) -> None:
    missing = missing_glyphs(texts, fonts)
    if missing:
        raise MissingGlyph(missing)


@functools.cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def _stylesheet(path: Path) -> CSS:
    # Parsed once per process: the same stylesheet serves every document of its kind.
    return CSS(string=path.read_text(encoding="utf-8"), font_config=_font_config())


def lay_out(html: str, stylesheet: Path, fetcher: RefusingFetcher | None = None) -> Document:
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


def render_document(html: str, stylesheet: Path, fetcher: RefusingFetcher | None = None) -> bytes:
    """A one-layer document (the 資格確認書) as PDF."""
    return to_pdf(lay_out(html, stylesheet, fetcher))
