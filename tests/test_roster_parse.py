"""Reading a roster CSV without a database: encoding, header, rows and their errors."""

from __future__ import annotations

import codecs
import hashlib
import io
from datetime import date

import pytest

from members.roster import parse as roster
from members.roster.parse import (
    EMPLOYER_COLUMNS,
    MEMBER_COLUMNS,
    EmployerRow,
    MemberRow,
    RosterFileError,
    RosterReader,
    RowFailure,
    recognise_header,
    scan,
)
from tests.factories import valid_my_number

NUMBER = valid_my_number(98765432101)
HEADER = ",".join(MEMBER_COLUMNS)
GOOD = {
    "記号": "1201",
    "番号": "15",
    "枝番": "00",
    "続柄": "本人",
    "氏名": "山田　花子",
    "氏名カナ": "ヤマダ　ハナコ",
    "性別": "女",
    "生年月日": "1985-04-01",
    "郵便番号": "108-0074",
    "住所": "東京都港区高輪1-1-1",
    "資格取得年月日": "2010-04-01",
    "資格喪失年月日": "",
    "個人番号": NUMBER,
    "マイナ保険証": "有",
}


def _line(**changes: str) -> str:
    return ",".join({**GOOD, **changes}[column] for column in MEMBER_COLUMNS)


def _rows(text: str, encoding: str = "utf-8") -> list:
    reader = RosterReader(io.BytesIO(text.encode(encoding)), encoding)
    try:
        return list(reader.rows())
    finally:
        reader.close()


# --- encoding and file identity -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding", "error"),
    [
        pytest.param(codecs.BOM_UTF8 + "記号,番号\n".encode(), "utf-8-sig", None, id="bom"),
        pytest.param("記号,番号\n".encode(), "utf-8", None, id="utf-8"),
        pytest.param(b"kigo,bango\n", "utf-8", None, id="ascii-is-utf-8"),
        pytest.param("記号,番号\n".encode("cp932"), "cp932", None, id="cp932"),
        pytest.param("髙橋,①,㍻\n".encode("cp932"), "cp932", None, id="cp932-extensions"),
        pytest.param(b"", None, roster.EMPTY, id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", None, roster.UNREADABLE, id="binary-nul"),
        pytest.param(b"\x81\x20\xc3\x28", None, roster.UNREADABLE, id="neither"),
        pytest.param(codecs.BOM_UTF8 + b"\x81\x20", None, roster.UNREADABLE, id="bom-then-bad"),
    ],
)
def test_scan_detects_the_encoding(data, encoding, error):
    result = scan(io.BytesIO(data))
    assert (result.encoding, result.error) == (encoding, error)
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_scan_reads_a_character_split_across_chunks():
    # "あ" is 3 bytes in UTF-8; place it across the 64 KiB chunk boundary.
    data = b"a" * (roster.CHUNK_BYTES - 1) + "あ".encode() + b"\n"
    assert scan(io.BytesIO(data)).encoding == "utf-8"


# --- header -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "kind"),
    [
        pytest.param(list(MEMBER_COLUMNS), "members", id="members"),
        pytest.param(list(EMPLOYER_COLUMNS), "employers", id="employers"),
        pytest.param(list(reversed(MEMBER_COLUMNS)), "members", id="any-order"),
        pytest.param([*EMPLOYER_COLUMNS, "", ""], "employers", id="trailing-empty-columns"),
        pytest.param(
            [c.replace("カナ", "ｶﾅ") for c in MEMBER_COLUMNS], "members", id="half-width-kana"
        ),
        pytest.param([f" {c}\u3000" for c in EMPLOYER_COLUMNS], "employers", id="spaces"),
        pytest.param(["\ufeff記号", *EMPLOYER_COLUMNS[1:]], "employers", id="stray-bom"),
    ],
)
def test_header_tells_the_kind(cells, kind):
    assert recognise_header(cells)[0] == kind


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param(
            [c for c in MEMBER_COLUMNS if c not in {"氏名", "生年月日"}],
            "必要な列がありません: 氏名、生年月日",
            id="missing-named",
        ),
        pytest.param([*MEMBER_COLUMNS, "備考"], "不明な列があります: 備考", id="unknown-named"),
        pytest.param([*EMPLOYER_COLUMNS, "記号"], "列名が重複しています: 記号", id="duplicate"),
        pytest.param(["", ""], "1行目（見出し行）が空です。", id="empty"),
        pytest.param(["name", "kana"], "判別できません", id="neither-kind"),
        pytest.param(
            [*EMPLOYER_COLUMNS[:2], "住所"],
            "事業所ファイル）: 必要な列がありません: 所在地、郵便番号。不明な列があります: 住所",
            id="member-column-in-employer-file",
        ),
    ],
)
def test_bad_headers_are_file_errors_naming_the_columns(cells, expected):
    with pytest.raises(RosterFileError) as caught:
        recognise_header(cells)
    assert expected in caught.value.message
    assert caught.value.line == 1


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param(_line().split(","), id="data-row-without-header"),
        pytest.param([*EMPLOYER_COLUMNS, NUMBER], id="number-as-column-name"),
    ],
)
def test_header_cells_are_never_echoed_with_their_digits(cells):
    # A file without its header row must not get its first person's number repeated back.
    with pytest.raises(RosterFileError) as caught:
        recognise_header(cells)
    assert NUMBER not in caught.value.message
    assert not any(char.isdigit() for char in caught.value.message.replace("1行目", ""))


# --- rows ---------------------------------------------------------------------------------------


def test_a_good_row_is_parsed_and_normalised():
    [row] = _rows(HEADER + "\n" + _line(氏名="山田 花子", 性別="2", 郵便番号="1080074") + "\n")
    assert isinstance(row, MemberRow)
    assert (row.line, row.key, row.household) == (2, "1201-15-00", "1201-15")
    assert (row.name, row.sex, row.postal_code) == ("山田　花子", "female", "108-0074")
    assert (row.birth_date, row.acquired_on, row.lost_on) == (
        date(1985, 4, 1),
        date(2010, 4, 1),
        None,
    )
    assert row.my_number == NUMBER and row.myna_registration == "registered"
    assert NUMBER not in repr(row)


def test_an_employer_row_is_parsed():
    text = ",".join(EMPLOYER_COLUMNS) + "\n1201,日本部品工業株式会社,東京都港区高輪１－１－１,\n"
    [row] = _rows(text)
    assert isinstance(row, EmployerRow)
    assert (row.kigo, row.name, row.address, row.postal_code) == (
        "1201",
        "日本部品工業株式会社",
        "東京都港区高輪1-1-1",
        "",
    )


def test_line_numbers_are_physical_lines():
    text = (
        HEADER
        + "\r\n\r\n"  # line 2 blank
        + _line(住所='"東京都港区\n高輪1-1-1"')  # lines 3-4: a cell with a line break
        + "\r\n,,,,,,,,,,,,,\r\n"  # line 5: empty cells only
        + _line(番号="16", 性別="X")  # line 6
        + "\r\n"
    )
    first, second = _rows(text)
    assert (
        isinstance(first, MemberRow) and first.line == 3 and first.address == "東京都港区 高輪1-1-1"
    )
    assert isinstance(second, RowFailure) and second.line == 6
    assert [(e.line, e.column) for e in second.errors] == [(6, "性別")]


def test_a_cp932_file_reads_like_its_utf8_twin():
    text = HEADER + "\r\n" + _line(氏名="髙橋　一郎", 住所="東京都港区高輪1−1−1") + "\r\n"
    [utf8] = _rows(text, "utf-8")
    [sjis] = _rows(text, "cp932")
    assert utf8 == sjis
    assert sjis.address == "東京都港区高輪1-1-1"


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"記号": "12A"}, "記号", "記号は8桁以内の数字で入力してください。"),
        ({"番号": ""}, "番号", "番号は8桁以内の数字で入力してください。"),
        ({"枝番": "123"}, "枝番", "枝番は2桁の数字で入力してください。"),
        ({"続柄": "長男"}, "続柄", "続柄は本人、配偶者、子、父、母、その他のいずれかで"),
        ({"氏名": ""}, "氏名", "氏名を入力してください。"),
        ({"氏名": "山" * 101}, "氏名", "氏名は100文字以内で入力してください。"),
        ({"氏名カナ": "Yamada"}, "氏名カナ", "氏名カナはカタカナで入力してください。"),
        ({"性別": "3"}, "性別", "性別は「男」「女」または「1」「2」で"),
        ({"生年月日": "2023-02-29"}, "生年月日", "日付として正しくありません。"),
        ({"生年月日": "令和元年4月1日"}, "生年月日", "令和は2019年5月1日からです。"),
        ({"生年月日": "昨日"}, "生年月日", "日付の形式が正しくありません"),
        ({"郵便番号": "108"}, "郵便番号", "郵便番号は7桁の数字で"),
        ({"住所": "あ" * 201}, "住所", "住所は200文字以内で入力してください。"),
        ({"資格取得年月日": ""}, "資格取得年月日", "日付の形式が正しくありません"),
        (
            {"資格喪失年月日": "2010-04-01"},
            "資格喪失年月日",
            "資格喪失年月日は資格取得年月日より後の日付にしてください。",
        ),
        (
            {"生年月日": "2011-01-01"},
            "資格取得年月日",
            "資格取得年月日が生年月日より前になっています。",
        ),
        ({"個人番号": NUMBER[:-1] + "0"}, "個人番号", "個人番号の検査用数字が正しくありません。"),
        ({"個人番号": "12345"}, "個人番号", "個人番号は12桁の数字で入力してください。"),
        ({"マイナ保険証": "あり"}, "マイナ保険証", "マイナ保険証は「有」「無」「解除」"),
    ],
)
def test_each_bad_value_is_a_row_error_with_its_column(changes, column, message):
    [row] = _rows(HEADER + "\n" + _line(**changes) + "\n")
    assert isinstance(row, RowFailure)
    assert [(e.line, e.column) for e in row.errors] == [(2, column)]
    assert message in row.errors[0].message
    assert NUMBER[:8] not in row.errors[0].message


@pytest.mark.parametrize(
    ("changes", "value"),
    [
        ({"個人番号": ""}, None),
        ({"個人番号": "１２３４ ５６７８ ９０１８"}, "123456789018"),
        ({"マイナ保険証": ""}, ""),
        ({"資格喪失年月日": "R6.10.1"}, date(2024, 10, 1)),
        ({"郵便番号": "", "住所": ""}, ""),
    ],
)
def test_optional_values(changes, value):
    [row] = _rows(HEADER + "\n" + _line(**changes) + "\n")
    assert isinstance(row, MemberRow)
    got = {
        "個人番号": row.my_number,
        "マイナ保険証": row.myna_registration,
        "資格喪失年月日": row.lost_on,
        "郵便番号": row.postal_code,
    }[next(iter(changes))]
    assert got == value


def test_every_error_of_a_row_is_reported():
    [row] = _rows(HEADER + "\n" + _line(性別="?", 生年月日="x", 個人番号="1") + "\n")
    assert [e.column for e in row.errors] == ["性別", "生年月日", "個人番号"]
    assert (row.kigo, row.bango, row.relation) == ("1201", "15", "本人")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param("1201,15,00", "見出し行は14列、この行は3列", id="too-few"),
        pytest.param(_line() + ",extra", "見出し行は14列、この行は15列", id="too-many"),
    ],
)
def test_wrong_column_counts_are_row_errors(line, message):
    [row] = _rows(HEADER + "\n" + line + "\n")
    assert isinstance(row, RowFailure)
    assert row.errors[0].column == "" and message in row.errors[0].message


def test_extra_empty_cells_are_ignored():
    [row] = _rows(HEADER + ",,\n" + _line() + ",,\n")
    assert isinstance(row, MemberRow)


def test_a_cell_over_the_csv_size_limit_is_a_file_error():
    text = HEADER + "\n" + _line(住所='"' + "あ" * 200_000 + '"') + "\n"
    with pytest.raises(RosterFileError) as caught:
        _rows(text)
    assert caught.value.line == 2


def test_the_callers_stream_stays_open():
    stream = io.BytesIO((HEADER + "\n" + _line() + "\n").encode())
    reader = RosterReader(stream, "utf-8")
    list(reader.rows())
    reader.close()
    assert not stream.closed
    with pytest.raises(RosterFileError):
        RosterReader(io.BytesIO(b"a,b\n"), "utf-8")
