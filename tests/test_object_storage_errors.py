"""A storage that fails other than by a missing file: the object store's endpoint down, access
denied to an object's head or to its body, a local file the process may not read. The visitor
gets a 503 page that asks to try again later (Retry-After), never a 500; the operators one log
line naming the stored file and the error's class, nothing personal; and the audit log no
download row, since nothing was handed out. /readyz asks the object store, quickly."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from notices.batches import print_file
from portal import env
from portal.models import AuditEvent, LanguagePreference
from tests.notice_batch_world import run_all, start
from tests.notice_world import NUMBERS, issue
from tests.processes import free_port
from tests.test_object_storage import (
    household,
    issued_certificate,
    object_store,
    s3_endpoint,
    store_env,
)

__all__ = ["household", "object_store", "s3_endpoint", "store_env"]  # fixtures used here

DOWNLOADS = ("notice.download", "certificate.download", "notice.batch_print_download")
NOTICE_NAME = re.compile(r"notices/\d{4}/\d{2}/[\w-]+\.pdf")


def _store_at(settings, monkeypatch, endpoint: str, bucket: str | None = None) -> None:
    """This process's storage pointed at another endpoint (and bucket), the way settings.py
    would build it from the environment."""
    monkeypatch.setenv("OBJECT_STORE_ENDPOINT_URL", endpoint)
    if bucket:
        monkeypatch.setenv("OBJECT_STORE_BUCKET", bucket)
    for name in ("OBJECT_STORE_ACCESS_KEY_ID", "OBJECT_STORE_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, os.environ.get(name, "portal-test-key"))
    settings.STORAGES = {**settings.STORAGES, "default": env.default_storage()}
    settings.OBJECT_STORE_BUCKET = os.environ["OBJECT_STORE_BUCKET"]


def _closed_port() -> str:
    return f"http://127.0.0.1:{free_port()}"  # bound and released: nothing listens there


class _Denying(BaseHTTPRequestHandler):
    """An S3 endpoint that denies what `denied` names ("HEAD" or "GET") with S3's own 403
    and serves the rest: HEAD 200 with a size, so the object looks fine until its body is
    fetched (a policy or a KMS key denying the read)."""

    denied = "GET"
    error = b"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>no</Message></Error>"

    def do_HEAD(self) -> None:
        if self.denied == "HEAD":
            self._send(403, b"")
        else:
            self._send(200, b"", length=1024)

    def do_GET(self) -> None:
        self._send(403, self.error)

    def _send(self, status: int, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml" if status >= 400 else "application/pdf")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Last-Modified", "Mon, 02 Jun 2025 00:00:00 GMT")
        self.send_header("ETag", '"0"')
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def denying_endpoint() -> Iterator[type[_Denying]]:
    handler = type("Handler", (_Denying,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def _unavailable_page(response, *, language: str = "ja") -> str:
    page = response.content.decode()
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "private, no-store"
    assert page.count("<h1") == 1 and f'lang="{language}"' in page
    assert "Traceback" not in page and "ClientError" not in page and "Permission" not in page
    return page


def _the_log_line(caplog, name: str, error: str) -> None:
    lines = [r for r in caplog.records if r.name == "portal.responses"]
    assert [r.getMessage() for r in lines] == [f"stored file unreadable: {name} ({error})"]
    assert lines[0].exc_info is None  # no traceback: an outage, not a bug


def _no_download_recorded() -> None:
    assert not AuditEvent.objects.filter(action__in=DOWNLOADS).exists()


def test_the_endpoint_down_gives_the_member_a_503_page_soon(
    object_store, household, client, member, settings, monkeypatch, caplog
):
    notice = issue(household["insured"])
    assert NOTICE_NAME.fullmatch(notice.pdf.name)
    _store_at(settings, monkeypatch, _closed_port())
    client.force_login(member)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="portal.responses"):
        response = client.get(reverse("notices:member_notice_pdf", args=[notice.pk]))
    assert time.monotonic() - started < 10  # three quick tries, not boto's minutes
    page = _unavailable_page(response)
    assert "PDFファイルを表示できません" in page and "時間をおいて" in page
    _the_log_line(caplog, notice.pdf.name, "EndpointConnectionError")
    assert NUMBERS["insured"] not in caplog.text and household["insured"].name not in caplog.text
    _no_download_recorded()


@pytest.mark.parametrize("denied", ["HEAD", "GET"])
def test_access_denied_to_the_object_or_its_body_is_a_503_before_any_pdf(
    denying_endpoint, household, client, member, settings, monkeypatch, caplog, denied
):
    """GET: S3Storage.open() only fetched the head; the body is asked for (and refused)
    before the response exists, not while it streams."""
    notice = issue(household["insured"])  # on local media; the store then holds the name
    denying_endpoint.denied = denied
    _store_at(settings, monkeypatch, denying_endpoint.url, bucket="portal-denied")
    LanguagePreference.objects.create(user=member, language="en")
    client.force_login(member)
    with caplog.at_level(logging.ERROR, logger="portal.responses"):
        response = client.get(reverse("notices:member_notice_pdf", args=[notice.pk]))
    page = _unavailable_page(response, language="en")
    assert "The PDF file cannot be shown" in page and "try again" in page
    # A HEAD's 403 has no body, so no code beyond the status.
    error = "ClientError 403" if denied == "HEAD" else "ClientError AccessDenied"
    _the_log_line(caplog, notice.pdf.name, error)
    _no_download_recorded()


def test_staff_downloads_of_certificates_and_print_files_too(
    denying_endpoint, household, client, clerk, settings, monkeypatch
):
    certificate = issued_certificate(household["insured"])
    batch = start()
    run_all(batch)
    assert print_file.build_print_file(batch.pk)
    _store_at(settings, monkeypatch, denying_endpoint.url, bucket="portal-denied")
    client.force_login(clerk)
    for url in (
        reverse("eligibility:staff_certificate_pdf", args=[certificate.pk]),
        reverse("notices:batch_print", args=[batch.pk]),
    ):
        page = _unavailable_page(client.get(url))
        assert "PDFファイルを表示できません" in page
    _no_download_recorded()


def test_a_local_file_the_process_may_not_read_is_a_503(
    household, client, member, settings, monkeypatch, caplog
):
    notice = issue(household["insured"])
    path = Path(settings.MEDIA_ROOT) / notice.pdf.name
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads it anyway: the storage fails the same way
        original = FileSystemStorage._open

        def refused(storage, name, mode="rb"):
            if Path(storage.path(name)) == path:
                raise PermissionError(13, "Permission denied", str(path))
            return original(storage, name, mode)

        monkeypatch.setattr(FileSystemStorage, "_open", refused)
    client.force_login(member)
    with caplog.at_level(logging.ERROR, logger="portal.responses"):
        response = client.get(reverse("notices:member_notice_pdf", args=[notice.pk]))
    _unavailable_page(response)
    _the_log_line(caplog, notice.pdf.name, "PermissionError")
    assert str(settings.MEDIA_ROOT) not in caplog.text  # the name, not the machine's path
    _no_download_recorded()


def test_a_missing_file_is_still_a_404_and_records_no_download(household, client, member, settings):
    notice = issue(household["insured"])
    (Path(settings.MEDIA_ROOT) / notice.pdf.name).unlink()
    client.force_login(member)
    response = client.get(reverse("notices:member_notice_pdf", args=[notice.pk]))
    assert (
        response.status_code == 404 and "PDFファイルを表示できません" in response.content.decode()
    )
    _no_download_recorded()


def test_a_readable_file_is_downloaded_and_recorded_once(household, client, member):
    notice = issue(household["insured"])
    client.force_login(member)
    response = client.get(reverse("notices:member_notice_pdf", args=[notice.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="notice.download", actor=member).count() == 1


# --- /readyz --------------------------------------------------------------------------------


def test_readyz_reports_the_object_store(object_store, client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content)["object_store"] is True


def test_readyz_fails_quickly_when_the_endpoint_is_down(
    object_store, client, db, settings, monkeypatch
):
    _store_at(settings, monkeypatch, _closed_port())
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 3
    status = json.loads(response.content)
    assert response.status_code == 503
    assert status["object_store"] is False
    assert status["object_store_problem"] == "EndpointConnectionError"
    assert status["database"] is True


def test_readyz_fails_when_the_store_refuses(denying_endpoint, client, db, settings, monkeypatch):
    denying_endpoint.denied = "HEAD"
    _store_at(settings, monkeypatch, denying_endpoint.url, bucket="portal-denied")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["object_store_problem"] == "ClientError 403"


def test_readyz_without_an_object_store_does_not_mention_one(client, db, settings):
    settings.OBJECT_STORE_BUCKET = ""
    assert "object_store" not in json.loads(client.get("/readyz").content)
