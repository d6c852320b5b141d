"""Reading a roster CSV: encoding, header, and one parsed row (or its errors) at a time.

No database here: members.roster.importer decides what the rows mean for the records. Nothing
in a message ever repeats a cell's value except a 記号 (at most 8 digits) and column names with
their digits masked, so no error can carry a 個人番号.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from members import validators as v
from members.dates import parse_optional_roster_date, parse_roster_date
from members.roster.rules import COPAY_COLUMN, parse_copay_rate
from portal.models import contains_full_number

MEMBER_COLUMNS: tuple[str, ...] = (
    "記号",
    "番号",
    "枝番",
    "続柄",
    "氏名",
    "氏名カナ",
    "性別",
    "生年月日",
    "郵便番号",
    "住所",
    "資格取得年月日",
    "資格喪失年月日",
    "個人番号",
    "マイナ保険証",
)
EMPLOYER_COLUMNS: tuple[str, ...] = ("記号", "事業所名称", "所在地", "郵便番号")
KIND_MEMBERS = "members"
KIND_EMPLOYERS = "employers"
KIND_COLUMNS = {KIND_MEMBERS: MEMBER_COLUMNS, KIND_EMPLOYERS: EMPLOYER_COLUMNS}
# Columns a file may leave out; without them the import keeps what is on record.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {KIND_MEMBERS: (COPAY_COLUMN,), KIND_EMPLOYERS: ()}
KIND_LABELS = {KIND_MEMBERS: "加入者ファイル", KIND_EMPLOYERS: "事業所ファイル"}

# The database columns' lengths (members.models): a longer value is a row error, not a crash.
NAME_MAX = 100
ADDRESS_MAX = 200

CHUNK_BYTES = 1 << 16
UNREADABLE = (
    "ファイルを読み取れません。UTF-8 または Shift_JIS(CP932)で保存したCSVファイルを選んでください。"
)
EMPTY = "ファイルが空です。"
HEADER_ONLY = "データ行がありません（見出し行のみです）。"


class RosterFileError(Exception):
    """The file as a whole cannot be read; `message` is shown to staff as is."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class RowError:
    line: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class RowFailure:
    """A data row that could not be parsed, with every problem found in it."""

    line: int
    errors: tuple[RowError, ...]
    # What identifies the row, where it could be read: lets the importer tell a dependent
    # that its 本人 row was the one with errors.
    kigo: str | None = None
    bango: str | None = None
    relation: str | None = None


@dataclass(slots=True)
class MemberRow:
    line: int
    kigo: str
    bango: str
    edaban: str
    relation: str
    name: str
    name_kana: str
    sex: str
    birth_date: date
    postal_code: str
    address: str
    acquired_on: date
    lost_on: date | None
    # Plaintext only until the importer has hashed and sealed it; kept out of every repr.
    my_number: str | None = field(repr=False)
    myna_registration: str
    # Set by the importer: the keyed hash, so duplicates are found without keeping numbers.
    number_hash: str | None = field(default=None, repr=False)
    # 負担割合: "2割", "3割", "" (none), or None when the file has no such column.
    copay_rate: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kigo}-{self.bango}-{self.edaban}"

    @property
    def household(self) -> str:
        return f"{self.kigo}-{self.bango}"

    @property
    def is_insured_person(self) -> bool:
        return self.relation == "本人"


@dataclass(slots=True)
class EmployerRow:
    line: int
    kigo: str
    name: str
    address: str
    postal_code: str


@dataclass(frozen=True, slots=True)
class Scan:
    """What one pass over the bytes found: the file's identity and how to decode it."""

    sha256: str
    size: int
    encoding: str | None  # None: the file cannot be read at all
    error: str | None = None


def scan(stream: BinaryIO) -> Scan:
    """Hash and measure the file while deciding its encoding, in one pass of 64 KiB chunks.

    BOM -> utf-8-sig; every byte valid UTF-8 -> utf-8; else valid CP932 -> cp932. A NUL byte
    means binary data, which no spreadsheet writes into a CSV.
    """
    digest = hashlib.sha256()
    size = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    cp932 = codecs.getincrementaldecoder("cp932")()
    utf8_ok = cp932_ok = True
    has_nul = False
    first = b""
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
        if len(first) < 3:
            first += chunk[:3]
        has_nul = has_nul or b"\x00" in chunk
        utf8_ok = utf8_ok and _feeds(utf8, chunk, final=False)
        cp932_ok = cp932_ok and _feeds(cp932, chunk, final=False)
    utf8_ok = utf8_ok and _feeds(utf8, b"", final=True)
    cp932_ok = cp932_ok and _feeds(cp932, b"", final=True)
    sha = digest.hexdigest()
    if size == 0:
        return Scan(sha, 0, None, EMPTY)
    if has_nul:
        return Scan(sha, size, None, UNREADABLE)
    if utf8_ok:
        return Scan(sha, size, "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8")
    if cp932_ok:
        return Scan(sha, size, "cp932")
    return Scan(sha, size, None, UNREADABLE)


def _feeds(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def clean_header(cell: str) -> str:
    # NFKC folds ｶﾅ and full-width letters in names typed by hand; header names hold no kanji
    # that NFKC would change.
    return unicodedata.normalize("NFKC", cell).replace("\ufeff", "").strip()


def _masked(name: str) -> str:
    # A "header" may be a data row of a file without one: never echo its digits.
    name = re.sub(r"[0-9０-９]", "＊", name)
    return name if len(name) <= 20 else name[:20] + "…"


def recognise_header(cells: list[str]) -> tuple[str, list[str]]:
    """The kind of file and its column names in file order; RosterFileError otherwise."""
    names = [clean_header(cell) for cell in cells]
    while names and not names[-1]:  # Excel keeps empty trailing columns
        names.pop()
    if not names:
        raise RosterFileError("1行目（見出し行）が空です。", line=1)
    if {"事業所名称", "所在地"} & set(names):
        kind = KIND_EMPLOYERS
    elif set(names) & (set(MEMBER_COLUMNS) - set(EMPLOYER_COLUMNS)):
        kind = KIND_MEMBERS
    else:
        raise RosterFileError(
            "1行目が見出し行ではないか、加入者ファイル・事業所ファイルのどちらとも判別できません。"
            f"加入者ファイルは「{','.join(MEMBER_COLUMNS)}」、"
            f"事業所ファイルは「{','.join(EMPLOYER_COLUMNS)}」を1行目に置いてください。",
            line=1,
        )
    expected = KIND_COLUMNS[kind] + OPTIONAL_COLUMNS[kind]
    problems = []
    missing = [name for name in KIND_COLUMNS[kind] if name not in names]
    if missing:
        problems.append(f"必要な列がありません: {'、'.join(missing)}")
    unknown = [_masked(name) or "（空欄）" for name in names if name not in expected]
    if unknown:
        problems.append(f"不明な列があります: {'、'.join(unknown)}")
    repeated = sorted({name for name in names if name in expected and names.count(name) > 1})
    if repeated:
        problems.append(f"列名が重複しています: {'、'.join(repeated)}")
    if problems:
        label = KIND_LABELS[kind]
        raise RosterFileError(f"見出し行（{label}）: " + "。".join(problems) + "。", line=1)
    return kind, names


class RosterReader:
    """A decoded CSV stream: `kind` from its header, then `rows()` one at a time.

    Lines are physical lines of the file (the header is line 1); a quoted cell with line
    breaks makes its row span several, and the row is reported by its first.
    """

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self._text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        self._csv = csv.reader(self._text)
        try:
            header = next(self._csv, None)
        except csv.Error:
            self.close()
            raise RosterFileError("1行目（見出し行）をCSVとして読み取れません。", line=1) from None
        if header is None:
            self.close()
            raise RosterFileError(EMPTY)
        try:
            self.kind, self.columns = recognise_header(header)
        except RosterFileError:
            self.close()
            raise
        self._parse: Callable[[int, dict[str, str]], MemberRow | EmployerRow | RowFailure] = (
            parse_member_cells if self.kind == KIND_MEMBERS else parse_employer_cells
        )

    def close(self) -> None:
        # Leave the caller's binary stream open: the caller owns it.
        with contextlib.suppress(ValueError):  # already detached
            self._text.detach()

    def rows(self) -> Iterator[MemberRow | EmployerRow | RowFailure]:
        width = len(self.columns)
        line = self._csv.line_num + 1
        while True:
            try:
                cells = next(self._csv)
            except StopIteration:
                return
            except csv.Error:
                # The csv module cannot resync after this (e.g. a cell over its size limit).
                raise RosterFileError(
                    f"{line}行目付近をCSVとして読み取れません。以降の行は確認できません。", line
                ) from None
            if any(cell.strip() for cell in cells):
                yield self._row(line, cells, width)
            line = self._csv.line_num + 1

    def _row(self, line: int, cells: list[str], width: int) -> MemberRow | EmployerRow | RowFailure:
        extra = cells[width:]
        if len(cells) < width or any(cell.strip() for cell in extra):
            message = (
                f"列の数が見出し行と合いません（見出し行は{width}列、この行は{len(cells)}列）。"
            )
            return RowFailure(line, (RowError(line, "", message),))
        return self._parse(line, dict(zip(self.columns, cells, strict=False)))


class _Cells:
    """Runs each column's parser, collecting every error of the row instead of the first."""

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.errors: list[RowError] = []

    def get(self, column: str, parse: Callable[[str], Any], default: Any = None) -> Any:
        try:
            return parse(self.cells[column])
        except v.RosterValueError as error:
            self.add(column, error.message)
            return default

    def add(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))


def _optional(parse: Callable[[str], str]) -> Callable[[str], str]:
    return lambda text: parse(text) if text.strip() else ""


def _limited(parse: Callable[[str], str], label: str, limit: int) -> Callable[[str], str]:
    def parse_limited(text: str) -> str:
        if contains_full_number(text):  # a My Number in free text, never repeated
            raise v.RosterValueError(f"{label}に12桁の数字(マイナンバーの形)は入力できません。")
        value = parse(text)
        if len(value) > limit:
            raise v.RosterValueError(f"{label}は{limit}文字以内で入力してください。")
        return value

    return parse_limited


def _optional_my_number(text: str) -> str | None:
    return v.parse_my_number(text) if text.strip() else None


def parse_member_cells(line: int, cells: dict[str, str]) -> MemberRow | RowFailure:
    row = _Cells(line, cells)
    kigo = row.get("記号", v.parse_kigo)
    bango = row.get("番号", v.parse_bango)
    edaban = row.get("枝番", v.parse_edaban)
    relation = row.get("続柄", v.parse_relation)
    name = row.get("氏名", _limited(v.normalise_name, "氏名", NAME_MAX))
    name_kana = row.get("氏名カナ", _limited(v.normalise_kana, "氏名カナ", NAME_MAX))
    sex = row.get("性別", v.parse_sex)
    birth_date = row.get("生年月日", parse_roster_date)
    postal_code = row.get("郵便番号", _optional(v.parse_postal_code))
    address = row.get("住所", _optional(_limited(v.normalise_address, "住所", ADDRESS_MAX)))
    acquired_on = row.get("資格取得年月日", parse_roster_date)
    lost_on = row.get("資格喪失年月日", parse_optional_roster_date)
    my_number = row.get("個人番号", _optional_my_number)
    # Applied by eligibility (a members.roster.hooks handler), not by the member writer.
    myna = row.get("マイナ保険証", v.parse_myna_registration)
    copay_rate = row.get(COPAY_COLUMN, parse_copay_rate) if COPAY_COLUMN in cells else None
    if acquired_on and lost_on and lost_on <= acquired_on:
        row.add("資格喪失年月日", "資格喪失年月日は資格取得年月日より後の日付にしてください。")
    if birth_date and acquired_on and acquired_on < birth_date:
        row.add("資格取得年月日", "資格取得年月日が生年月日より前になっています。")
    if row.errors:
        return RowFailure(line, tuple(row.errors), kigo, bango, relation)
    return MemberRow(
        line=line,
        kigo=kigo,
        bango=bango,
        edaban=edaban,
        relation=relation,
        name=name,
        name_kana=name_kana,
        sex=sex,
        birth_date=birth_date,
        postal_code=postal_code,
        address=address,
        acquired_on=acquired_on,
        lost_on=lost_on,
        my_number=my_number,
        myna_registration=myna,
        copay_rate=copay_rate,
    )


def _employer_name(text: str) -> str:
    # Company names are written like personal names: ideographs kept, letters full-width.
    try:
        return v.normalise_name(text)
    except v.RosterValueError:
        if not text.strip():
            raise v.RosterValueError("事業所名称を入力してください。") from None
        raise v.RosterValueError("事業所名称に制御文字が含まれています。") from None


def parse_employer_cells(line: int, cells: dict[str, str]) -> EmployerRow | RowFailure:
    row = _Cells(line, cells)
    kigo = row.get("記号", v.parse_kigo)
    name = row.get("事業所名称", _limited(_employer_name, "事業所名称", NAME_MAX))
    address = row.get("所在地", _optional(_limited(v.normalise_address, "所在地", ADDRESS_MAX)))
    postal_code = row.get("郵便番号", _optional(v.parse_postal_code))
    if row.errors:
        return RowFailure(line, tuple(row.errors), kigo)
    return EmployerRow(line=line, kigo=kigo, name=name, address=address, postal_code=postal_code)
