"""Many applications at once: an employer's CSV, applied whole or not at all.

One row per person: `記号,番号,枝番,氏名,生年月日,申請理由,理由の詳細`. Rows of one household with
the same reason become one application. The file is read like the roster (UTF-8 with or without
BOM, or Shift_JIS/CP932, detected by members.roster.scan); every bad row is reported with its
line number and nothing is created unless every row is good. 氏名 and 生年月日 must match the
record: a mistyped 番号 names someone else, and this catches it. Messages never repeat a
cell's value.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.db import transaction
from django.db.models import Q

from eligibility.applications import services as applications
from eligibility.models import CertificateApplication
from members import validators as v
from members.dates import parse_roster_date
from members.models import Employer, Member
from members.roster import parse as roster
from members.roster.importer import safe_file_name
from portal import audit
from portal.models import AuditEvent, contains_full_number
from portal.validators import FULL_NUMBER_MESSAGE

COLUMNS = ("記号", "番号", "枝番", "氏名", "生年月日", "申請理由", "理由の詳細")
REQUIRED = COLUMNS[:-1]
MAX_ROWS = 1000
MAX_BYTES = 1024 * 1024
MAX_ERRORS = 200
Reason = CertificateApplication.Reason

# What a spreadsheet may hold in 申請理由: the number, the code, or the words.
_REASONS = {
    "1": Reason.NO_CARD,
    "2": Reason.REGISTRATION_CANCELLED,
    "3": Reason.NEEDS_ASSISTANCE,
    "4": Reason.CARD_LOST,
    "5": Reason.OTHER,
    "6": Reason.CARE_CERTIFIED,
    "7": Reason.DISABILITY_CERTIFICATE,
    "8": Reason.DV_PROTECTION,
    "要介護": Reason.CARE_CERTIFIED,
    "要支援": Reason.CARE_CERTIFIED,
    "要介護・要支援": Reason.CARE_CERTIFIED,
    "障害者手帳": Reason.DISABILITY_CERTIFICATE,
    "DV": Reason.DV_PROTECTION,
    "DV等支援措置": Reason.DV_PROTECTION,
    "カード未取得": Reason.NO_CARD,
    "カードなし": Reason.NO_CARD,
    "利用登録解除": Reason.REGISTRATION_CANCELLED,
    "登録解除": Reason.REGISTRATION_CANCELLED,
    "要配慮者": Reason.NEEDS_ASSISTANCE,
    "紛失": Reason.CARD_LOST,
    "紛失・再発行中": Reason.CARD_LOST,
    "再発行中": Reason.CARD_LOST,
    "その他": Reason.OTHER,
}
_REASONS |= {reason.value: reason for reason in Reason}
_REASONS |= {reason.label: reason for reason in Reason}
REASON_HELP = (
    "1 カード未取得、2 利用登録解除、3 要配慮者(その他)、4 紛失・再発行中、5 その他、"
    "6 要介護・要支援、7 障害者手帳、8 DV等支援措置"
)


@dataclass
class Row:
    line: int
    key: tuple[str, str, str]
    name: str
    birth_date: date
    reason: str
    detail: str


@dataclass
class Result:
    applied: bool = False
    rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: list[CertificateApplication] = field(default_factory=list)

    def error(self, line: int | None, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "message": message})

    def sort_errors(self) -> None:
        """By line, as the employer reads the file: file-wide errors first, then each line's
        in the order they were found (the checks run in passes over the whole file)."""
        self.errors.sort(key=lambda error: (error["line"] is not None, error["line"] or 0))

    @property
    def more_errors(self) -> bool:
        return len(self.errors) >= MAX_ERRORS


def _fold(text: str) -> str:
    return "".join(text.split())


def parse_reason(text: str) -> str:
    value = _REASONS.get(unicodedata.normalize("NFKC", text).strip())
    if value is None:
        raise v.RosterValueError(f"申請理由が正しくありません({REASON_HELP})。")
    return value


def _parse_row(line: int, cells: dict[str, str], result: Result) -> Row | None:
    problems: list[str] = []

    def get(column: str, parse: Any) -> Any:
        try:
            return parse(cells.get(column, ""))
        except v.RosterValueError as error:
            problems.append(f"{column}: {error.message}")
            return None

    kigo, bango, edaban = (
        get("記号", v.parse_kigo),
        get("番号", v.parse_bango),
        get("枝番", v.parse_edaban),
    )
    name = get("氏名", v.normalise_name)
    birth_date = get("生年月日", parse_roster_date)
    reason = get("申請理由", parse_reason)
    detail = (cells.get("理由の詳細") or "").strip()
    for column, text in cells.items():
        if isinstance(text, str) and contains_full_number(text):
            problems.append(f"{column}: {FULL_NUMBER_MESSAGE}")
            detail = ""  # never stored, even if the row were otherwise taken
    if reason:
        problems += applications.check_reason(reason, detail)
    for message in problems:
        result.error(line, message)
    if problems:
        return None
    return Row(line, (kigo, bango, edaban), name, birth_date, reason, detail)


def read_rows(stream: IO[bytes], result: Result) -> list[Row]:
    facts = roster.scan(stream)
    if facts.error or facts.encoding is None:
        result.error(None, facts.error or roster.UNREADABLE)
        return []
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=facts.encoding, newline="")
    try:
        reader = csv.reader(text)
        header = [roster.clean_header(cell) for cell in next(reader, [])]
        while header and not header[-1]:
            header.pop()
        missing = [name for name in REQUIRED if name not in header]
        unknown = [name for name in header if name not in COLUMNS]
        if missing or unknown or len(set(header)) != len(header):
            result.error(
                1,
                f"1行目は見出し行「{','.join(COLUMNS)}」にしてください"
                "(「理由の詳細」は省略できます)。",
            )
            return []
        rows: list[Row] = []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                result.rows += 1
                if result.rows > MAX_ROWS:
                    result.error(line, f"一度に申請できるのは{MAX_ROWS:,}行までです。")
                    return []
                if len(cells) < len(header) or any(c.strip() for c in cells[len(header) :]):
                    result.error(line, "列の数が見出し行と合いません。")
                else:
                    row = _parse_row(line, dict(zip(header, cells, strict=False)), result)
                    if row:
                        rows.append(row)
            line = reader.line_num + 1
    except csv.Error:
        result.error(None, "CSVとして読み取れない箇所があります。ファイルを確認してください。")
        return []
    finally:
        text.detach()
    if result.rows == 0 and not result.errors:
        result.error(None, roster.HEADER_ONLY)
    return rows


def _match(rows: list[Row], employer: Employer, result: Result) -> dict[int, Member]:
    """Each good row's member (by line), checked against the record."""
    if not rows:
        return {}
    query = Q()
    for kigo, bango, edaban in {row.key for row in rows}:
        query |= Q(kigo=kigo, bango=bango, edaban=edaban)
    found = {
        (m.kigo, m.bango, m.edaban): m
        for m in Member.objects.filter(query, employer=employer).select_related("insured")
    }
    matched: dict[int, Member] = {}
    seen: dict[int, int] = {}
    for row in rows:
        member = found.get(row.key)
        if member is None:
            result.error(
                row.line,
                "記号・番号・枝番: 該当する加入者がいません(この事業所の加入者のみ申請できます)。",
            )
        elif _fold(member.name) != _fold(row.name) or member.birth_date != row.birth_date:
            result.error(
                row.line,
                "氏名・生年月日: 記号・番号・枝番の方の記録と一致しません。",
            )
        elif member.pk in seen:
            result.error(row.line, f"記号・番号・枝番: 同じ方が{seen[member.pk]}行目にもあります。")
        else:
            seen[member.pk] = row.line
            matched[row.line] = member
    return matched


def upload(
    stream: IO[bytes],
    *,
    employer: Employer,
    applied_on: date,
    user: Any,
    ip: str | None = None,
    file_name: str = "",
) -> Result:
    """Apply the file whole, or report every bad row and change nothing. Never raises for
    bad input. The upload's audit event is written with the applications it made."""
    result = Result()
    rows = read_rows(stream, result)
    matched = _match(rows, employer, result)
    people = list(matched.values())
    found = applications.refusals(people, applied_on)
    # A 要配慮者 reason is not refused for a マイナ保険証 registration.
    assisted = applications.refusals(people, applied_on, needs_assistance=True)
    for row in rows:
        member = matched.get(row.line)
        why = None
        if member is not None:
            refusals = assisted if row.reason in CertificateApplication.ASSISTANCE else found
            why = refusals[member.pk]
        if why:
            result.error(row.line, why)
    if not result.errors:
        groups: dict[tuple[int, str, str], list[Member]] = {}
        for row in rows:
            member = matched[row.line]
            key = (applications.household_key(member), row.reason, row.detail)
            groups.setdefault(key, []).append(member)
        try:
            with transaction.atomic():
                for (_, reason, detail), members in groups.items():
                    result.created.append(
                        applications.create_application(
                            employer,
                            members,
                            reason=reason,
                            reason_detail=detail,
                            applied_on=applied_on,
                            user=user,
                            ip=ip,
                            source=CertificateApplication.Source.CSV,
                        )
                    )
                result.applied = True
                _record_upload(result, employer, file_name, user, ip)
        except applications.ApplicationRefused as refused:
            # Only a change made meanwhile (another application) gets here; nothing stays.
            result.applied, result.created = False, []
            for message in refused.messages:
                result.error(None, message)
    if not result.applied:
        _record_upload(result, employer, file_name, user, ip)  # a refusal: nothing changed
    result.sort_errors()
    return result


def _record_upload(
    result: Result, employer: Employer, file_name: str, user: Any, ip: str | None
) -> None:
    audit.record(
        "certificate_application.upload",
        actor=user,
        ip=ip,
        target=employer,
        target_label=str(employer),
        outcome=AuditEvent.Outcome.SUCCESS if result.applied else AuditEvent.Outcome.FAILURE,
        detail={
            "employer": employer.kigo,
            "file_name": safe_file_name(file_name)[:100],
            "rows": result.rows,
            "applications": [a.pk for a in result.created],
            "errors": len(result.errors),
        },
    )
