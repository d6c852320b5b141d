"""What the leak test collects, and the search for full numbers in it.

Every place a number could escape to is gathered as (where, text): responses (body as the user
gets it, PDFs as their text and metadata, CSV, every header and cookie, the messages cookie
decoded), e-mails (every header and part, attachments), log records at DEBUG from every logger
(formatted as the portal formats them, with their arguments and extras), every row of every
table (sessions and the cache decoded), the stored files (PDFs as text).
"""

from __future__ import annotations

import base64
import email
import email.policy
import html
import io
import logging
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, unquote_plus

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection
from django.http import HttpRequest
from django.test import Client, TestCase
from pypdf import PdfReader

from portal.logformat import OneLineFormatter
from portal.models import _SEPARATOR_CHARS

FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def spellings(number: str) -> dict[str, str]:
    """The spellings the brief names, each found on its own."""
    groups = [number[:4], number[4:8], number[8:]]
    return {
        "plain": number,
        "spaced": " ".join(groups),
        "hyphenated": "-".join(groups),
        "full-width": number.translate(FULL),
        "full-width spaced": "\u3000".join(groups).translate(FULL),
    }


def any_spelling(number: str) -> re.Pattern[str]:
    """The number with any width per digit and any run of separators between the digits."""
    separators = "[" + re.escape(_SEPARATOR_CHARS) + "]*"
    return re.compile(
        separators.join(f"[{d}{d.translate(FULL)}]" for d in number),
    )


@dataclass
class Haystack:
    """Everything collected, as (where, text)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, text: str) -> None:
        self.items.append((where, text))

    def leaks(self, numbers: list[str]) -> list[str]:
        found = []
        patterns = {number: any_spelling(number) for number in numbers}
        for where, text in self.items:
            for variant in {text, html.unescape(text), unquote_plus(text), unquote(text)}:
                for number, pattern in patterns.items():
                    named = [n for n, s in spellings(number).items() if s in variant]
                    if named or pattern.search(variant):
                        found.append(f"{where}: ...{number[-4:]} ({', '.join(named) or 'other'})")
        return sorted(set(found))

    def texts(self, where_prefix: str) -> list[str]:
        return [text for where, text in self.items if where.startswith(where_prefix)]


# --- responses --------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    pages = "\n".join(page.extract_text() for page in reader.pages)
    return f"{pages}\n{dict(reader.metadata or {})}"


def _decode_body(content_type: str, body: bytes) -> str:
    if body.startswith(b"%PDF"):
        return pdf_text(body)
    if body.startswith(b"\xef\xbb\xbf"):
        return body.decode("utf-8-sig", "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp932", "replace")


def _messages_cookie(value: str) -> str:
    decoded = CookieStorage(HttpRequest())._decode(value)
    return " | ".join(str(message) for message in decoded or [])


class RecordingClient(Client):
    """The test client, recording every response (redirects followed included) and running
    the on-commit callbacks of each request, as the running portal does."""

    def __init__(self, haystack: Haystack, **defaults) -> None:
        super().__init__(**defaults)
        self.haystack = haystack
        self.statuses: list[tuple[str, int]] = []

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = super().request(**request)
        where = f"{request.get('REQUEST_METHOD')} {request.get('PATH_INFO')}"
        self.statuses.append((where, response.status_code))
        if response.streaming:
            body = b"".join(response.streaming_content)
            response.streaming_content = [body]
        else:
            body = response.content
        self.haystack.add(f"{where} body", _decode_body(response.get("Content-Type", ""), body))
        headers = "\n".join(f"{name}: {value}" for name, value in response.items())
        self.haystack.add(f"{where} headers", headers + "\n" + response.cookies.output())
        if "messages" in response.cookies and response.cookies["messages"].value:
            text = _messages_cookie(response.cookies["messages"].value)
            self.haystack.add(f"{where} messages cookie", text)
        return response


# --- e-mail, logs -----------------------------------------------------------------------------


def collect_mail(haystack: Haystack) -> int:
    for index, message in enumerate(mail.outbox):
        where = f"mail {index} {message.subject[:30]}"
        haystack.add(f"{where} fields", f"{message.subject}\n{message.body}\n{message.to}")
        for content, _ in getattr(message, "alternatives", []):
            haystack.add(f"{where} alternative", str(content))
        for attachment in message.attachments:
            content = getattr(attachment, "content", None) or attachment[1]
            if isinstance(content, bytes):
                content = _decode_body("", content)
            haystack.add(f"{where} attachment", str(content))
        parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
        haystack.add(f"{where} headers", "\n".join(f"{k}: {v}" for k, v in parsed.items()))
        for part in parsed.walk():
            if not part.is_multipart():
                payload = part.get_payload(decode=True) or b""
                haystack.add(f"{where} part", _decode_body(part.get_content_type(), payload))
    return len(mail.outbox)


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class LogCapture(logging.Handler):
    """Every record from every logger, at DEBUG: the message and traceback as logged (before
    the portal's formatter masks anything: nothing may even try to log a number), the line as
    that formatter writes it, the record's arguments and its extras (a handler elsewhere may
    write those)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))
        self.portal_format = OneLineFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.records: list[tuple[str, str]] = []
        self._levels: dict[logging.Logger, int] = {}
        self._handler_levels: dict[logging.Handler, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        raw, line = self.format(record), self.portal_format.format(record)
        self.records.append((record.name, f"{raw}\n{line}\n{record.args!r}\n{extras!r}"))

    def __enter__(self) -> LogCapture:
        loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
        for logger in loggers:
            self._levels[logger] = logger.level
            logger.setLevel(logging.DEBUG)
        root = logging.getLogger()
        # The portal's own handlers keep their level: the test output stays readable.
        for handler in root.handlers:
            self._handler_levels[handler] = handler.level
            handler.setLevel(max(handler.level, logging.INFO))
        root.addHandler(self)
        connection.force_debug_cursor = True  # every SQL statement with its parameters
        return self

    def __exit__(self, *exc: object) -> None:
        connection.force_debug_cursor = False
        logging.getLogger().removeHandler(self)
        for logger, level in self._levels.items():
            logger.setLevel(level)
        for handler, level in self._handler_levels.items():
            handler.setLevel(level)

    def collect(self, haystack: Haystack) -> None:
        for name, line in self.records:
            haystack.add(f"log {name}", line)


# --- the database and the stored files --------------------------------------------------------


def collect_tables(haystack: Haystack) -> dict[str, int]:
    """Every row of every table as JSON text, sessions and the cache decoded too."""
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            # Table names from the database's own catalogue, quoted.
            cursor.execute(f"SELECT row_to_json(t)::text FROM {quote(table)} t")  # noqa: S608
            rows = [row[0] for row in cursor.fetchall()]
            counts[table] = len(rows)
            for index, row in enumerate(rows):
                haystack.add(f"table {table} row {index}", row)
        cursor.execute("SELECT session_data FROM django_session")
        for (data,) in cursor.fetchall():
            haystack.add("session (decoded)", repr(SessionStore().decode(data)))
        cache_table = settings.CACHES["default"].get("LOCATION", "")
        if cache_table in counts:
            cursor.execute(f"SELECT cache_key, value FROM {quote(cache_table)}")  # noqa: S608
            for key, value in cursor.fetchall():
                # Django's database cache pickles; these rows were written by this test run.
                text = repr(pickle.loads(base64.b64decode(value)))  # noqa: S301
                haystack.add(f"cache {key}", text)
    return counts


def collect_files(haystack: Haystack) -> int:
    root = Path(settings.MEDIA_ROOT)
    files = [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
    for path in files:
        haystack.add(f"file {path.relative_to(root)}", _decode_body("", path.read_bytes()))
        haystack.add(f"file name {path.relative_to(root)}", str(path.relative_to(root)))
    return len(files)
