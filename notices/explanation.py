"""The one-page explanation of the 資格情報のお知らせ in the member's language: what each item
printed on the notice means and what to do with it. The notice itself stays Japanese (clinics
read it); this page goes beside it. Rendered through portal.pdf with DejaVu Sans first, for the
Latin letters with Vietnamese and Portuguese diacritics."""

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

from notices.models import Notice
from portal import pdf

STYLESHEET = pdf.STATIC_DIR / "css" / "explanation-pdf.css"
# Made on each request (a tenth of a second of CPU or more): a login gets this many an hour,
# far more than anyone reads, and no one can keep a web worker busy with them.
PER_HOUR = 30


def render_explanation(notice: Notice) -> bytes:
    """The explanation for `notice`, in the active language (the member's)."""
    html = render_to_string(
        "notices/explanation_pdf.html",
        {
            "name": notice.snapshot["name"],
            "version": notice.version,
            "issued_on": notice.issued_on,
            "language": translation.get_language(),
        },
    )
    pdf.check_glyphs([html], fonts=pdf.MEMBER_LANGUAGE_FONTS)
    return pdf.render_document(html, Path(STYLESHEET))


def filename(notice: Notice) -> str:
    language = (translation.get_language() or "ja").replace("-", "_")
    return f"shikaku-oshirase-setsumei-{notice.member.edaban}-v{notice.version}-{language}.pdf"
