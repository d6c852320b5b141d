"""The card-sized 資格確認書 keeps every row on the card: the longest name of each size tier
(eligibility.certificates.layout.FIT), with the 70-74 rows and the 資格喪失年月日 row, is laid
out and measured: the front's last row ends inside the card, and the PDF has two pages. A
longer name is cut on the front and printed whole on the back, which still ends on the card."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from pypdf import PdfReader

from eligibility.certificates import services
from eligibility.certificates.layout import FIT
from portal import pdf

SNAPSHOT = {
    "kigo": "1201",
    "bango": "8051",
    "edaban": "00",
    "insured_kind": "本人(被保険者)",
    "name_kana": "アライ",
    "sex": "女",
    "birth_date": "1953-05-05",
    "acquired_on": "2000-04-01",
    "lost_on": "2028-05-05",
    "valid_from": "2026-12-26",  # later than issued: the "(…から有効)" note too
    "valid_to": "2027-07-31",
    "issued_on": "2026-11-26",
    "insurer_number": "06139999",
    "insurer_name": "日本部品工業健康保険組合",
    "insurer_address": "〒108-0074 東京都港区高輪1-1-1",
    "copay_ratio": "3割",
    "copay_from": "2026-12-26",
    "copay_to": "2027-07-31",
}
CARD_BOTTOM_MM = 54 - 2.6  # the card's height less its bottom padding
PX_PER_MM = 96 / 25.4


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def _bottoms(snapshot: dict) -> list[float]:
    """Where each side's last row (table row or note) ends, in mm from the card's top."""
    html = render_to_string(
        "eligibility/certificates/document.html", {"c": services.document_context(snapshot)}
    )
    document = pdf.lay_out(html, Path(services.STYLESHEET))
    assert len(document.pages) == 2
    bottoms = []
    for page in document.pages:
        rows = [b for b in _boxes(page._page_box) if getattr(b, "element_tag", "") in ("tr", "li")]
        bottoms.append(max(row.position_y + row.height for row in rows) / PX_PER_MM)
    return bottoms


@pytest.mark.parametrize("length", [longest for _, longest in FIT["name"]])
def test_the_longest_name_of_each_tier_stays_on_the_card(length):
    snapshot = {**SNAPSHOT, "name": "寿" * length}
    front, _ = _bottoms(snapshot)
    assert front <= CARD_BOTTOM_MM, f"{length} characters end at {front:.1f} mm"
    reader = PdfReader(io.BytesIO(services.render_pdf(snapshot)))
    assert len(reader.pages) == 2
    front = "".join(reader.pages[0].extract_text().split())
    assert "一部負担金の割合3割" in front and "発効期日令和8年12月26日" in front
    assert "資格喪失年月日令和10年5月5日" in front
    assert "寿" * length in front and "裏面" not in front


# Names up to the records' 100 characters, as long names are written: kanji, katakana and
# Latin words (full and half width) with spaces between them.
LONG_NAMES = [
    "寿" * 100,
    ("ア　" * 50)[:100],
    ("ＷＷＷＷＷＷＷＷＷ　" * 10)[:100],
    ("WWWWWWWWW " * 10)[:100],
    "ＧＯＮＺＡＬＥＺ　ＲＯＤＲＩＧＵＥＺ　ＭＡＲＩＡ　ＤＥ　ＬＯＳ　ＡＮＧＥＬＥＳ",
]
# The longest address a society writes on two lines of the back.
TWO_LINE_ADDRESS = "〒108-0074 東京都港区高輪一丁目1番1号 高輪ゲートウェイシティ ノースタワー20階"


@pytest.mark.parametrize("name", LONG_NAMES)
def test_a_name_too_long_for_the_front_is_cut_there_and_printed_whole_on_the_back(name):
    snapshot = {**SNAPSHOT, "name": name, "insurer_address": TWO_LINE_ADDRESS}
    front, back = _bottoms(snapshot)
    assert front <= CARD_BOTTOM_MM and back <= CARD_BOTTOM_MM, (front, back)
    reader = PdfReader(io.BytesIO(services.render_pdf(snapshot)))
    front_text, back_text = ("".join(p.extract_text().split()) for p in reader.pages)
    whole = "".join(name.split())
    assert "…(裏面)" in front_text and whole not in front_text
    assert "氏名(全文)" + whole in back_text
    assert "ください。" in back_text.rsplit("届け出て", 1)[-1]  # the last note, whole


def test_a_name_the_front_holds_is_not_repeated_on_the_back():
    snapshot = {**SNAPSHOT, "name": "新井　久美子"}
    back = PdfReader(io.BytesIO(services.render_pdf(snapshot))).pages[1].extract_text()
    assert "氏名" not in back
