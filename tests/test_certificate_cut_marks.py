"""The printed 資格確認書 is cut out by staff: each page is the card (85.6 x 54 mm, the PDF's
TrimBox) on a sheet 5 mm larger on every side (the MediaBox), with crop marks at the card's four
corners, outside the card. Rendered with pypdfium2, the marks are dark pixels in the bleed."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from pypdf import PdfReader

from eligibility.certificates import services
from tests.test_certificate_document import SNAPSHOT

PT_PER_MM = 72 / 25.4
CARD_MM = (85.6, 54.0)
BLEED_MM = 5.0
SCALE = 4  # pixels per point when rendered


@pytest.fixture(scope="module")
def certificate() -> bytes:
    # 70-74: the copay row is on the card and must stay on one line.
    return services.render_pdf({**SNAPSHOT, "name": "新井 花子", "copay_ratio": "2割"})


def _size_mm(box) -> tuple[float, float]:
    return (float(box.width) / PT_PER_MM, float(box.height) / PT_PER_MM)


def test_each_page_is_the_card_on_a_larger_sheet(certificate):
    reader = PdfReader(io.BytesIO(certificate))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert _size_mm(page.trimbox) == pytest.approx(CARD_MM, abs=0.05)
        width, height = _size_mm(page.mediabox)
        assert width == pytest.approx(CARD_MM[0] + 2 * BLEED_MM, abs=0.05)
        assert height == pytest.approx(CARD_MM[1] + 2 * BLEED_MM, abs=0.05)
        # The card sits in the middle of the sheet.
        assert float(page.trimbox.left) - float(page.mediabox.left) == pytest.approx(
            BLEED_MM * PT_PER_MM, abs=0.1
        )
    front = "".join(reader.pages[0].extract_text().split())
    assert "一部負担金の割合2割" in front
    line = next(li for li in reader.pages[0].extract_text().splitlines() if "一部負担金" in li)
    assert "2割" in line  # not wrapped onto a line of its own


def _dark(image, left: int, top: int, right: int, bottom: int) -> int:
    gray = image.convert("L")
    return sum(
        1 for x in range(left, right) for y in range(top, bottom) if gray.getpixel((x, y)) < 128
    )


@pytest.mark.parametrize("page_index", [0, 1])
def test_crop_marks_at_the_four_corners_outside_the_card(certificate, page_index):
    page = pypdfium2.PdfDocument(certificate)[page_index]
    image = page.render(scale=SCALE).to_pil()
    width, height = image.size
    bleed = round(BLEED_MM * PT_PER_MM * SCALE)
    assert (width, height) == pytest.approx(
        (
            (CARD_MM[0] + 2 * BLEED_MM) * PT_PER_MM * SCALE,
            (CARD_MM[1] + 2 * BLEED_MM) * PT_PER_MM * SCALE,
        ),
        abs=2,
    )
    # Each corner square of the bleed (outside the card) holds a mark; the bleed along the
    # card's edges, between the corners, stays blank: the marks are all there is outside.
    corners = {
        "top-left": (0, 0),
        "top-right": (width - bleed, 0),
        "bottom-left": (0, height - bleed),
        "bottom-right": (width - bleed, height - bleed),
    }
    for name, (left, top) in corners.items():
        assert _dark(image, left, top, left + bleed, top + bleed) > 0, f"no mark {name}"
    margin = 2 * bleed
    assert _dark(image, margin, 0, width - margin, bleed - 2) == 0  # top edge
    assert _dark(image, margin, height - bleed + 2, width - margin, height) == 0  # bottom edge
    assert _dark(image, 0, margin, bleed - 2, height - margin) == 0  # left edge
    assert _dark(image, width - bleed + 2, margin, width, height - margin) == 0  # right edge
