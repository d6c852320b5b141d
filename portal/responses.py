"""Responses shared by the apps."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, StreamingHttpResponse


def private_pdf(stored: FieldFile, filename: str, *, inline: bool = False) -> FileResponse:
    """A stored PDF that no browser or proxy keeps a copy of: a download, or `inline` to open
    in the browser's viewer (a member on a phone reads it there, then saves or prints it)."""
    response = FileResponse(
        stored.open("rb"),
        content_type="application/pdf",
        as_attachment=not inline,
        filename=filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def private_csv(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A streamed CSV export (portal.services.spreadsheet_csv) as a download that no browser or
    proxy keeps a copy of: exports hold personal data."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
