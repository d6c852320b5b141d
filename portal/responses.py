"""Responses shared by the apps."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

# The 404 page's own explanation for a record whose file is not in the storage (404.html).
STORED_FILE_MISSING = "stored-file-missing"


def private_pdf(stored: FieldFile, filename: str, *, inline: bool = False) -> FileResponse:
    """A stored PDF that no browser or proxy keeps a copy of: a download, or `inline` to open
    in the browser's viewer (a member on a phone reads it there, then saves or prints it).
    Read through the storage API only: the file may be on another machine's object store."""
    try:
        opened = stored.open("rb")
    except FileNotFoundError:
        # A record whose file is gone (a MEDIA_ROOT not shared between machines, a restore
        # without the files): an error page, and a log line for the operators.
        logger.error("stored file missing: %s", stored.name)
        raise Http404(STORED_FILE_MISSING) from None
    return _private(
        FileResponse(
            opened, content_type="application/pdf", as_attachment=not inline, filename=filename
        )
    )


def private_pdf_made(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """A PDF made for this request (not stored), likewise never kept on the way."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return _private(response)


def _private[R: HttpResponseBase](response: R) -> R:
    response["Cache-Control"] = "private, no-store"
    return response


def private_csv(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A streamed CSV export (portal.services.spreadsheet_csv) as a download that no browser or
    proxy keeps a copy of: exports hold personal data."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return _private(response)
