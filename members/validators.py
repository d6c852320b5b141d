"""Validation and normalisation of roster CSV values. Pure functions, no Django.

Each parser returns the normalised value or raises RosterValueError with a message in Japanese
that the importer shows next to the line number. No message ever repeats a 個人番号.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext

from portal.checkdigits import is_valid_my_number


class RosterValueError(ValueError):
    """A roster value that cannot be accepted; `message` is shown to staff as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


FULLWIDTH_SPACE = "\u3000"

# Hyphen look-alikes. The same Shift_JIS byte pair (0x817C) decodes to U+FF0D under CP932 but
# to U+2212 under strict Shift_JIS, and word processors insert U+2010..U+2015, so all of them
# mean "-" in numbers, postal codes and addresses. ー (U+30FC) is deliberately absent: it is
# part of katakana words (センター).
_DASH_CHARS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_DASHES = str.maketrans(dict.fromkeys(_DASH_CHARS, "-"))


def fold_dashes(text: str) -> str:
    """Every hyphen look-alike to "-"."""
    return text.translate(_DASHES)


_HALFWIDTH_KANA_RUN = re.compile("[\uff61-\uff9f]+")

# Control, format (zero-width space, BOM, bidi marks), surrogate and line/paragraph separators:
# invisible characters that would make two equal-looking names differ.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def normalise_digits(text: str) -> str:
    """NFKC (full-width digits to ASCII) and surrounding whitespace stripped.

    Only for fields made of digits and signs: NFKC would alter some kanji in names.
    """
    return unicodedata.normalize("NFKC", text).strip()


def _halfwidth_kana_to_fullwidth(text: str) -> str:
    # NFKC on whole runs so that ｶﾞ composes to ガ; nothing outside the half-width block moves.
    return _HALFWIDTH_KANA_RUN.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


_MY_NUMBER = re.compile(r"([0-9]{4})([ -]?)([0-9]{4})\2([0-9]{4})")


def parse_my_number(text: str) -> str:
    """12 ASCII digits from '123456789018', '1234 5678 9018', '１２３４-５６７８-９０１８'."""
    match = _MY_NUMBER.fullmatch(normalise_digits(text).translate(_DASHES))
    if match is None:
        raise RosterValueError(gettext("個人番号は12桁の数字で入力してください。"))
    number = match.group(1) + match.group(3) + match.group(4)
    if not is_valid_my_number(number):
        raise RosterValueError(gettext("個人番号の検査用数字が正しくありません。"))
    return number


def _digits(text: str, label: str, max_length: int) -> str:
    value = normalise_digits(text)
    # [0-9], not \d: \d would also accept other scripts' digits that NFKC leaves alone.
    if not re.fullmatch(f"[0-9]{{1,{max_length}}}", value):
        raise RosterValueError(
            gettext("%(label)sは%(max_length)s桁以内の数字で入力してください。")
            % {"label": label, "max_length": max_length}
        )
    return value


def parse_kigo(text: str) -> str:
    """記号: 1 to 8 digits, leading zeros kept (it is an identifier, not a quantity)."""
    return _digits(text, gettext("記号"), 8)


def parse_bango(text: str) -> str:
    """番号: 1 to 8 digits, leading zeros kept."""
    return _digits(text, gettext("番号"), 8)


def parse_edaban(text: str) -> str:
    """枝番: two digits; '1' becomes '01' because spreadsheets drop the leading zero."""
    value = normalise_digits(text)
    if not re.fullmatch("[0-9]{1,2}", value):
        raise RosterValueError(gettext("枝番は2桁の数字で入力してください。"))
    return value.zfill(2)


_KANA_ALLOWED = re.compile("[\u30a1-\u30fa\u30fb\u30fc]+")  # ァ..ヺ, ・, ー
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}  # ぁ..ゖ


def normalise_kana(text: str) -> str:
    """Full-width katakana, parts separated by one full-width space."""
    # NFKC is safe here: anything it could turn into a kanji is rejected below anyway.
    value = unicodedata.normalize("NFKC", text).translate(_HIRAGANA_TO_KATAKANA)
    parts = [part for part in value.split(" ") if part]
    if not parts:
        raise RosterValueError(gettext("氏名カナを入力してください。"))
    if not all(_KANA_ALLOWED.fullmatch(part) for part in parts):
        raise RosterValueError(gettext("氏名カナはカタカナで入力してください。"))
    return FULLWIDTH_SPACE.join(parts)


def _has_invisible(text: str) -> bool:
    return any(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in text)


def normalise_name(text: str) -> str:
    """漢字氏名: ideographs untouched; letters and spaces in their full-width form.

    No NFKC/NFC: both replace CJK compatibility ideographs (神 U+FA19 -> 神 U+795E), and the
    name must stay exactly as registered. Full width is the canonical form because that is how
    住民票 records hold names, and the parts are joined with a full-width space.
    """
    if _has_invisible(text):
        raise RosterValueError(gettext("氏名に制御文字が含まれています。"))
    chars: list[str] = []
    for char in _halfwidth_kana_to_fullwidth(text):
        if unicodedata.category(char) == "Zs":
            chars.append(" ")
        elif char.isascii() and char.isalpha():
            chars.append(chr(ord(char) + 0xFEE0))  # A -> Ａ
        else:
            chars.append(char)
    parts = [part for part in "".join(chars).split(" ") if part]
    if not parts:
        raise RosterValueError(gettext("氏名を入力してください。"))
    return FULLWIDTH_SPACE.join(parts)


def normalise_address(text: str) -> str:
    """住所: full-width ASCII to ASCII, dashes to '-', whitespace collapsed to one space.

    Character by character, not NFKC over the whole text, so ideographs are never replaced.
    """
    if any(not char.isspace() for char in text if unicodedata.category(char) in {"Cc", "Cf"}):
        raise RosterValueError(gettext("住所に制御文字が含まれています。"))
    chars: list[str] = []
    for char in _halfwidth_kana_to_fullwidth(text.translate(_DASHES)):
        if "\uff01" <= char <= "\uff5e":
            chars.append(chr(ord(char) - 0xFEE0))  # １ -> 1, Ａ -> A
        else:
            chars.append(char)
    # str.split() also splits on U+3000, tabs and the line breaks Excel puts inside a cell.
    value = " ".join("".join(chars).split())
    if not value:
        raise RosterValueError(gettext("住所を入力してください。"))
    return value


_POSTAL_CODE = re.compile(r"〒?\s*([0-9]{3})-?([0-9]{4})")


def parse_postal_code(text: str) -> str:
    """'1080074', '108-0074', '１０８－００７４', '〒108-0074' -> '108-0074'."""
    match = _POSTAL_CODE.fullmatch(normalise_digits(text).translate(_DASHES))
    if match is None:
        raise RosterValueError(gettext("郵便番号は7桁の数字で入力してください（例: 108-0074）。"))
    return f"{match.group(1)}-{match.group(2)}"


_SEXES = {"男": "male", "1": "male", "女": "female", "2": "female"}


def parse_sex(text: str) -> str:
    """男 or 1 -> 'male', 女 or 2 -> 'female' (1/2 as in the national code)."""
    value = _SEXES.get(normalise_digits(text))
    if value is None:
        raise RosterValueError(gettext("性別は「男」「女」または「1」「2」で入力してください。"))
    return value


RELATIONS: tuple[str, ...] = ("本人", "配偶者", "子", "父", "母", "その他")

# 妻/夫 are what the spouse is called on the 被扶養者（異動）届 and in many payroll exports, and
# they can only mean 配偶者. Other kin terms (長男, 義父 ...) are not guessed at; the message
# lists the contract's values so the sender can fix the file.
_RELATION_ALIASES = {"妻": "配偶者", "夫": "配偶者"}


def parse_relation(text: str) -> str:
    """続柄: one of RELATIONS, returned as the Japanese term."""
    value = text.strip()
    value = _RELATION_ALIASES.get(value, value)
    if value not in RELATIONS:
        allowed = "、".join(RELATIONS)
        raise RosterValueError(
            gettext("続柄は%(allowed)sのいずれかで入力してください。") % {"allowed": allowed}
        )
    return value


_MYNA_REGISTRATIONS = {
    "有": "registered",
    "無": "not_registered",
    "解除": "cancelled",
    "": "",  # empty: nothing said; the import leaves any registration on record as it is
}


def parse_myna_registration(text: str) -> str:
    """マイナ保険証: 有 / 無 / 解除 (registration cancelled); "" for an empty cell."""
    value = _MYNA_REGISTRATIONS.get(text.strip())
    if value is None:
        raise RosterValueError(
            gettext("マイナ保険証は「有」「無」「解除」のいずれかで入力してください。")
        )
    return value
