"""How the card-sized 資格確認書 fits long texts: a name steps down in size (CSS classes of
static/css/certificate-pdf.css) instead of pushing the card onto a third page. Pure."""

from __future__ import annotations

# (css class, longest text in characters that class still fits), smallest last. Measured on the
# card's name cell (tests/test_certificate_document.py renders the longest of each tier).
FIT: dict[str, tuple[tuple[str, int], ...]] = {
    "name": (("", 18), ("fit-s", 44), ("fit-xs", 100)),
}


def fit(slot: str, text: str) -> str:
    """The CSS class that makes `text` fit its slot ("" for the regular size); past the last
    tier the smallest size is used (the roster caps names at 100 characters)."""
    tiers = FIT[slot]
    length = len(text)
    for css_class, longest in tiers:
        if length <= longest:
            return css_class
    return tiers[-1][0]
