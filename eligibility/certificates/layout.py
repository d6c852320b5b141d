"""How the card-sized 資格確認書 fits long texts: a name steps down to 8 pt, never smaller,
and a name longer than the front holds even then is cut there with 「…(裏面)」 and printed
whole on the back (document.html). Pure."""

from __future__ import annotations

from portal.pdf import Fitted, fit_text

# (css class, longest text in characters that class still fits), smallest last. Measured on the
# card's name cell with the most rows a front can have (the 70-74 rows and 資格喪失年月日):
# tests/test_certificate_document.py renders the longest of each tier.
FIT: dict[str, tuple[tuple[str, int], ...]] = {
    "name": (("", 18), ("fit-s", 38)),
}
# Where the front cuts a name, it says the rest is on the back.
CUT_MARK = "…(裏面)"


def fit(slot: str, text: str) -> Fitted:
    """How the slot prints `text`: its size class ("" for the regular size), and the text,
    cut past the last tier (the roster keeps names of up to 100 characters)."""
    return fit_text(FIT[slot], text, cut_mark=CUT_MARK)
