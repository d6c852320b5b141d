"""Responses shared by the apps."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import File
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

# The 404 page's own explanation for a record whose file is not in the storage (404.html).
STORED_FILE_MISSING = "stored-file-missing"
# Seconds a visitor is asked to wait when the storage fails (503.html): most outages of an
# object store or a mount are short.
STORAGE_RETRY_AFTER = 60


class StoredFileUnavailable(Exception):
    """The storage could not hand out a file it should have (denied, unreachable, unreadable):
    StoredFileUnavailableMiddleware turns it into a 503 page."""


def open_pdf(stored: FieldFile) -> File:
    """The stored file, open and already read from: a view records its download after this,
    so a file that cannot be read hands out nothing and records nothing. Read through the
    storage API only: the file may be on another machine's object store.

    A missing file is a 404 page (Http404(STORED_FILE_MISSING)); any other failure of the
    storage is StoredFileUnavailable (a 503 page). S3Storage's open() only asks for the
    object's head; its body is fetched on the file's first use, so that happens here, where
    a refusal is caught, not in FileResponse or while it streams after its headers went out."""
    try:
        opened = stored.open("rb")
        try:
            opened.read(1)
            opened.seek(0)
        except BaseException:
            opened.close()
            raise
    except FileNotFoundError:
        # A record whose file is gone (a MEDIA_ROOT not shared between machines, a restore
        # without the files): an error page, and a log line for the operators.
        logger.error("stored file missing: %s", stored.name)
        raise Http404(STORED_FILE_MISSING) from None
    except ClientError as error:
        if _status(error) == 404:  # gone between the head and the body (orphan removal)
            logger.error("stored file missing: %s", stored.name)
            raise Http404(STORED_FILE_MISSING) from None
        # botocore names the class after the code (AccessDenied): say it is the store's answer.
        code = error.response.get("Error", {}).get("Code", "")
        raise _unavailable(stored, f"ClientError {code}".strip()) from None
    except (OSError, BotoCoreError) as error:
        raise _unavailable(stored, type(error).__name__) from None
    return opened


def _status(error: ClientError) -> int | None:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def _unavailable(stored: FieldFile, kind: str) -> StoredFileUnavailable:
    # The stored name (notices/2025/06/<public id>.pdf and the like) and the error's class (and
    # code) only: an OSError's message would carry the machine's path, a ClientError's the
    # request's details. No traceback: an outage is not a bug.
    logger.error("stored file unreadable: %s (%s)", stored.name, kind)
    return StoredFileUnavailable(kind)


class StoredFileUnavailableMiddleware:
    """StoredFileUnavailable from a view: a 503 page in the visitor's language that asks to try
    again later (Retry-After), never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, StoredFileUnavailable):
            return None
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(STORAGE_RETRY_AFTER)
        return _private(response)


def private_pdf(opened: File, filename: str, *, inline: bool = False) -> FileResponse:
    """A stored PDF (open_pdf) that no browser or proxy keeps a copy of: a download, or
    `inline` to open in the browser's viewer (a member on a phone reads it there, then saves
    or prints it)."""
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
