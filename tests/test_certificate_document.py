"""The card-sized 資格確認書 keeps every row on the card: the longest name of each size tier
(eligibility.certificates.layout.FIT), with the 70-74 rows and the 資格喪失年月日 row, is laid
out and measured: the front's last row ends inside the card, and the PDF has two pages."""

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


@pytest.mark.parametrize("length", [longest for _, longest in FIT["name"]])
def test_the_longest_name_of_each_tier_stays_on_the_card(length):
    snapshot = {**SNAPSHOT, "name": "寿" * length}
    html = render_to_string(
        "eligibility/certificates/document.html", {"c": services.document_context(snapshot)}
    )
    document = pdf.lay_out(html, Path(services.STYLESHEET))
    assert len(document.pages) == 2
    rows = [b for b in _boxes(document.pages[0]._page_box) if getattr(b, "element_tag", "") == "tr"]
    bottom = max(row.position_y + row.height for row in rows) / PX_PER_MM
    assert bottom <= CARD_BOTTOM_MM, f"{length} characters end at {bottom:.1f} mm"
    reader = PdfReader(io.BytesIO(services.render_pdf(snapshot)))
    assert len(reader.pages) == 2
    front = "".join(reader.pages[0].extract_text().split())
    assert "一部負担金の割合3割" in front and "発効期日令和8年12月26日" in front
    assert "資格喪失年月日令和10年5月5日" in front
