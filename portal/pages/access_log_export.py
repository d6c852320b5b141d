"""The member's access log as CSV and PDF. Each download is itself an audit event (and so a
row of the log it downloads); viewing the page is not, so that reading one's own log does not
fill it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from portal import audit, pdf, ratelimit
from portal.pages.access_log import CSV_HEADER, ORDER, AccessLog
from portal.pagination import keyset_rows
from portal.services import spreadsheet_csv
from portal.templatetags.wareki import wareki_datetime

STYLESHEET = pdf.STATIC_DIR / "css" / "access-log-pdf.css"
# A PDF is for reading and keeping: the newest rows; the CSV holds every row. 1,000 rows took
# 11 s to lay out on a busy 2-core machine, 300 rows 4 s: 500 keeps a download short.
PDF_MAX_ROWS = 500
# Rows per query of the CSV: a household has hundreds of rows a year at most.
CSV_PAGE_ROWS = 500
# Laying out a PDF costs seconds of CPU: a login gets a few an hour (more than anyone reads).
PDF_PER_HOUR = 10


def may_print(user: Any) -> bool:
    """Count this PDF against the login's hourly allowance; false once it is used up."""
    return bool(ratelimit.attempt("access-log-pdf", str(user.pk), limit=PDF_PER_HOUR, window=3600))


class CannotPrint(ValueError):
    """A character of the household's names is in none of the PDF's fonts."""


def _record(action: str, log: AccessLog, actor: Any, ip: str | None) -> None:
    insured = log.household.insured
    audit.record(action, actor=actor, ip=ip, target=insured, target_label=str(insured))


@transaction.atomic
def export_csv(log: AccessLog, *, actor: Any, ip: str | None) -> Iterator[str]:
    """Every row, newest first, streamed; the download is recorded first, so it is the top row."""
    _record("access_log.csv", log, actor, ip)
    # Keyset pages, not iterator(): behind a transaction-mode pooler that reads it all at once.
    rows = log.rows(keyset_rows(log.events(), ORDER, size=CSV_PAGE_ROWS))
    log.employer_codes()  # now, before the stream: one query, not one per chunk
    return spreadsheet_csv(
        [str(title) for title in CSV_HEADER],
        ([wareki_datetime(row.at, "seconds"), row.what, row.whom, row.who] for row in rows),
    )


@transaction.atomic
def export_pdf(log: AccessLog, *, actor: Any, ip: str | None) -> bytes:
    """The newest PDF_MAX_ROWS rows on A4. Nothing is recorded when it cannot be printed."""
    _record("access_log.pdf", log, actor, ip)  # first, so it is the top row
    events = list(log.events()[: PDF_MAX_ROWS + 1])
    html = render_to_string(
        "portal/pages/access_log_pdf.html",
        {
            "household": log.household,
            "rows": list(log.rows(events[:PDF_MAX_ROWS])),
            "truncated": len(events) > PDF_MAX_ROWS,
            "max_rows": PDF_MAX_ROWS,
            "printed_at": timezone.now(),
        },
    )
    try:  # names and labels, in any language; a refusal rolls the record back
        pdf.check_glyphs([html], fonts=pdf.MEMBER_LANGUAGE_FONTS)
    except pdf.MissingGlyph as error:
        raise CannotPrint(str(error)) from None
    return pdf.render_document(html, Path(STYLESHEET))


def filename(kind: str) -> str:
    return f"access-log-{timezone.localdate():%Y%m%d}.{kind}"


def cannot_print_message() -> str:
    return gettext(
        "お名前にPDFで表示できない文字が含まれているため、PDFを作成できませんでした。"
        "CSVでダウンロードするか、業務課にお問い合わせください。"
    )
