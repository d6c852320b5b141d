"""The notice's two layers: the entries stay inside their slots whatever their length, and
each page is drawn over the right form. Rendered, laid out and parsed; no database."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from weasyprint.formatting_structure import boxes

from notices import render, rules

SNAPSHOT = {
    "kigo": "12345678", "bango": "12345678", "edaban": "01", "insured_kind": "家族(被扶養者)",
    "name": "髙橋　花子", "name_kana": "タカハシ　ハナコ", "birth_date": "1988-12-28",
    "acquired_on": "2019-05-01", "insurer_number": "06139992",
    "insurer_name": "日本自動車部品工業健康保険組合", "business_phone": "03-3443-4256",
    "helpdesk_phone": "0120-000-000", "last4": "1234", "digits_reason": "shown",
    "digits_message": "", "issued_on": "2024-10-01",
}  # fmt: skip

ELDERLY = {"copay_rate": "3割", "effective_from": "2025-08-01", "valid_until": "2026-07-31"}

SLOT_CLASSES = {"value", "c-value"}


def _overflows(document) -> list[str]:
    """Text drawn outside its slot: every line of every slot must lie within the slot."""
    found = []

    def lines(box):
        for child in getattr(box, "children", []):
            if isinstance(child, boxes.LineBox):
                yield child
            else:
                yield from lines(child)

    def visit(box):
        box = getattr(box, "_box", box)  # an absolutely placed box comes wrapped
        classes = (
            set((box.element.get("class") or "").split()) if box.element is not None else set()
        )
        if isinstance(box, boxes.BlockBox) and classes & SLOT_CLASSES:
            right = box.position_x + box.border_width() + 0.5
            bottom = box.position_y + box.border_height() + 0.5
            for line in lines(box):
                if line.position_y + line.height > bottom or _text_right(line) > right:
                    found.append(" ".join(sorted(classes)))
                    break
        for child in getattr(box, "children", []):
            visit(child)

    for page in document.pages:
        visit(page._page_box)
    return found


def _text_right(line) -> float:
    """Where the line's visible text ends: a space at the end of a line hangs past the edge
    unseen, as CSS has it."""
    right = 0.0
    for child in line.children:
        end = child.position_x + child.width
        if isinstance(child, boxes.TextBox):
            hanging = len(child.text) - len(child.text.rstrip())
            end -= hanging * child.style["font_size"]
        right = max(right, end)
    return right


def _entries(**changes):
    return render.lay_out(render.entries_html([(SNAPSHOT | changes, "a" * 32)]))


def _form(**changes):
    return render.lay_out(render.form_html(render.form_key(SNAPSHOT | changes)))


@pytest.mark.parametrize(
    ("slot", "text", "css_class", "shown"),
    [
        ("name", "髙" * 42, "", "髙" * 42),
        ("name", "髙" * 43, "fit-s", "髙" * 43),
        ("name", "W" * 43, "fit-s", "W" * 43),  # Latin letters count as full width
        ("name", "髙" * 100, "fit-s", "髙" * 100),  # the longest name the records hold
        ("insurer_name", "髙" * 58, "fit-s", "髙" * 58),
        ("insurer_name", "髙" * 59, "fit-s", "髙" * 57 + "…"),
        ("card_name", "髙" * 40, "", "髙" * 40),
        # The card-sized part cuts at 8 pt; the main part above it has the name whole.
        ("card_name", "髙" * 41, "", "髙" * 39 + "…"),
        ("card_name", "髙" * 500, "", "髙" * 39 + "…"),
    ],
)
def test_long_texts_step_down_to_8_pt_then_are_cut(slot, text, css_class, shown):
    fitted = render.fit(slot, text)
    assert (fitted.css_class, fitted.text, fitted.cut) == (css_class, shown, shown != text)


def _at_limits(slot: str) -> list[str]:
    # Each tier's longest text, and one past the last tier (cut), in the widest characters:
    # full-width kanji, the widest Latin capital, and kana with full-width spaces (where lines
    # may break).
    lengths = [most for _, most in render.FIT[slot]] + [render.FIT[slot][-1][1] + 30]
    return [text for most in lengths for text in ("髙" * most, "W" * most, "ア　" * (most // 2))]


def test_the_slot_check_sees_a_name_too_long_for_its_size(monkeypatch):
    monkeypatch.setitem(render.FIT, "name", (("", 1000),))  # never 8 pt
    # 60: too long for the slot at 9.5 pt even at the page's full width.
    assert _overflows(_entries(name="髙" * 60)) == ["f-name value wide"]


@pytest.mark.parametrize("text", _at_limits("name") + _at_limits("card_name"))
@pytest.mark.parametrize("elderly", [{}, ELDERLY], ids=["plain", "70-74"])
def test_names_of_every_length_stay_inside_their_slots(text, elderly):
    # The main name and kana slots and the card's name slot, each at its own size; a 70-74
    # notice gives the name the page's width too.
    text = text[:100]  # the longest name the records hold
    assert _overflows(_entries(**elderly, name=text, name_kana=text)) == []


def test_the_main_part_prints_the_longest_name_whole_and_the_card_cuts_it():
    name = (
        "ＧＯＮＺＡＬＥＺ　ＲＯＤＲＩＧＵＥＺ　ＭＡＲＩＡ　ＤＥ　ＬＯＳ　"
        + "ＡＮＧＥＬＥＳ　ＳＩＬＶＡ"
    )
    pdf = render.render_pdf([(SNAPSHOT | ELDERLY | {"name": name}, "n" * 32)])
    text = "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert text.count(name.replace("　", "")) == 1  # the main part, whole
    assert name.replace("　", "")[:30] + "…" not in text
    assert render.fit("card_name", name).text.replace("　", "")[:-1] + "…" in text


@pytest.mark.parametrize("name", ["髙" * 100, "W" * 100, "日本自動車部品工業健康保険組合" * 6])
@pytest.mark.parametrize("elderly", [{}, ELDERLY], ids=["plain", "70-74"])
def test_insurer_names_stay_inside_their_slots_on_the_form(name, elderly):
    assert _overflows(_form(**elderly, insurer_name=name[:100])) == []


@pytest.mark.parametrize(
    "decision",
    [rules.ENROLLED_AFTER_CUTOFF, rules.SUBMIT_NUMBER, rules.NEEDS_VERIFICATION, rules.NO_NUMBER],
)
def test_every_no_digits_message_fits_the_digits_slot(decision):
    document = _form(last4="", digits_reason=decision.reason, digits_message=decision.message)
    assert _overflows(document) == []
    assert len(document.pages) == 1


def test_the_longest_numbers_and_dates_fit():
    document = _entries(
        kigo="８" * 8, bango="８" * 8, birth_date="1988-12-28", acquired_on="2019-12-31"
    )
    assert _overflows(document) == []


def test_each_page_is_drawn_over_its_own_form_and_a_shared_form_is_embedded_once():
    no_digits = SNAPSHOT | {"last4": "", "digits_message": rules.NO_NUMBER.message}
    notices = [
        (SNAPSHOT | {"bango": "1"}, "1" * 32),
        (no_digits | {"bango": "2"}, "2" * 32),
        (SNAPSHOT | {"bango": "3"}, "3" * 32),
        (SNAPSHOT | {"bango": "4", "insurer_name": "別の健康保険組合"}, "4" * 32),
    ]
    reader = PdfReader(io.BytesIO(render.render_pdf(notices)))
    texts = [page.extract_text() for page in reader.pages]
    assert [re.search(r"12345678-(\d)\(枝番", text).group(1) for text in texts] == list("1234")
    assert ["\n1234\n" in text for text in texts] == [True, False, True, True]
    assert ["表示なし" in text for text in texts] == [False, True, False, False]
    assert ["別の健康保険組合" in text for text in texts] == [False, False, False, True]
    # The form is the first thing each page draws: which object is it?
    forms = []
    for page in reader.pages:
        name = re.search(rb"(/\S+) Do", page.get_contents().get_data()).group(1).decode()
        form = page["/Resources"]["/XObject"].raw_get(name)
        assert form.get_object()["/Subtype"] == "/Form"
        forms.append(form.idnum)
    assert forms[0] == forms[2] and len(set(forms)) == 3


def test_the_form_is_rendered_once_per_process_for_each_insurer_and_digits_rule():
    render.form_pdf.cache_clear()
    render.render_pdf([(SNAPSHOT | {"bango": str(n)}, f"{n:032d}") for n in range(5)])
    render.render_pdf([(SNAPSHOT | {"name": "佐藤　一郎"}, "9" * 32)])
    assert render.form_pdf.cache_info().misses == 1


def test_a_70_74_notice_has_its_own_form_with_the_labels_and_its_entries_fit():
    assert render.form_key(SNAPSHOT | ELDERLY) != render.form_key(SNAPSHOT)
    # Notices issued before the 70-74 fields existed have no such keys: the plain form.
    assert render.form_key(SNAPSHOT) == render.form_key(SNAPSHOT | {"copay_rate": ""})
    form = _form(**ELDERLY)
    entries = _entries(**ELDERLY, name="髙" * 100, birth_date="1952-12-28")
    assert _overflows(form) == [] and _overflows(entries) == []
    assert len(form.pages) == len(entries.pages) == 1
    text = PdfReader(io.BytesIO(render.render_pdf([(SNAPSHOT | ELDERLY, "e" * 32)])))
    page = text.pages[0].extract_text()
    for expected in ["負担割合", "発効期日", "有効期限", "3割", "令和7年8月1日", "令和8年7月31日"]:
        assert expected in page, expected
    plain = PdfReader(io.BytesIO(render.render_pdf([(SNAPSHOT, "p" * 32)]))).pages[0]
    assert "負担割合" not in plain.extract_text() and "有効期限" not in plain.extract_text()
