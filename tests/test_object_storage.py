"""Stored PDFs on an S3-compatible object store (OBJECT_STORE_*, portal.env.default_storage),
against a real S3 HTTP endpoint: moto's server mode, started here as a subprocess.

Notices, certificates and print files are written and read through Django's storage API only,
downloads stream through the portal's views, and orphan listing works on key prefixes. The
cross-process proof: a `manage.py db_worker` with one media directory issues a batch, a gunicorn
web process with another, empty one serves the download; neither directory gets a file. Without
the object store the same split fails, and the member gets a clear error page, not a 500."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from eligibility.certificates.services import issue_certificate
from notices.batches import print_file
from notices.models import Notice, NoticeBatch
from notices.services import pdf_bytes
from portal import checks, env, orphan_files
from portal.models import AuditEvent
from tests import notice_world
from tests.notice_batch_world import run_all, start
from tests.notice_world import NUMBERS, issue, pdf_text
from tests.processes import database_url, free_port, port_answers, wait_until
from tests.processes import stop as _stop

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-northeast-1"
ACCESS = {
    "OBJECT_STORE_ACCESS_KEY_ID": "portal-test-key",
    "OBJECT_STORE_SECRET_ACCESS_KEY": "portal-test-secret",
}
WORKER = [sys.executable, "manage.py", "db_worker", "--queue-name", "notices",
          "--worker-id", "far-worker", "--interval", "0.1", "--no-startup-delay",
          "--no-reload", "--verbosity", "0"]  # fmt: skip
household = notice_world.household


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [Path(sys.executable).with_name("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: port_answers(port), server, what="moto_server")
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(server)


def _s3(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS["OBJECT_STORE_ACCESS_KEY_ID"],
        aws_secret_access_key=ACCESS["OBJECT_STORE_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def store_env(s3_endpoint) -> dict[str, str]:
    """The OBJECT_STORE_* variables of a new, empty bucket of this test's own."""
    bucket = f"portal-{uuid.uuid4().hex[:16]}"
    _s3(s3_endpoint).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return {
        "OBJECT_STORE_BUCKET": bucket,
        "OBJECT_STORE_ENDPOINT_URL": s3_endpoint,
        "OBJECT_STORE_REGION": REGION,
        "OBJECT_STORE_SSE": "AES256",
        **ACCESS,
    }


@pytest.fixture
def object_store(store_env, settings, monkeypatch) -> dict[str, str]:
    """This process on the object store, configured the way settings.py configures it."""
    for name, value in store_env.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": env.default_storage()}
    settings.OBJECT_STORE_BUCKET = store_env["OBJECT_STORE_BUCKET"]
    return store_env


def _keys(store: dict[str, str]) -> list[str]:
    listing = _s3(store["OBJECT_STORE_ENDPOINT_URL"]).list_objects_v2(
        Bucket=store["OBJECT_STORE_BUCKET"]
    )
    return sorted(entry["Key"] for entry in listing.get("Contents", []))


def _object(store: dict[str, str], key: str) -> dict:
    return _s3(store["OBJECT_STORE_ENDPOINT_URL"]).get_object(
        Bucket=store["OBJECT_STORE_BUCKET"], Key=key
    )


def _downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    return b"".join(response.streaming_content)


def _no_local_media() -> None:
    media = Path(django_settings.MEDIA_ROOT)
    assert not media.exists() or not any(media.rglob("*")), list(media.rglob("*"))


def test_a_notice_is_stored_privately_and_the_member_downloads_it(
    object_store, household, client, member
):
    notice = issue(household["insured"])
    assert _keys(object_store) == [notice.pdf.name]
    stored = _object(object_store, notice.pdf.name)
    assert stored["ServerSideEncryption"] == "AES256"
    acl = _s3(object_store["OBJECT_STORE_ENDPOINT_URL"]).get_object_acl(
        Bucket=object_store["OBJECT_STORE_BUCKET"], Key=notice.pdf.name
    )
    assert all("URI" not in grant["Grantee"] for grant in acl["Grants"])  # nobody public
    assert "?" not in notice.pdf.url  # url() signs nothing: no link that works without us
    body = stored["Body"].read()
    assert pdf_bytes(notice) == body  # read back through the storage API

    client.force_login(member)
    pdf = _downloaded(client.get(reverse("notices:member_notice_pdf", args=[notice.pk])))
    assert pdf == body
    _, text = pdf_text(pdf)
    assert NUMBERS["insured"][-4:] in text and NUMBERS["insured"] not in text
    assert AuditEvent.objects.filter(action="notice.download", actor=member).count() == 1
    _no_local_media()


def issued_certificate(person):
    """A 資格確認書 issued on 2025-06-02 (its PDF stored under certificates/2025/06/)."""
    return issue_certificate(
        person,
        issued_on=date(2025, 6, 2),
        valid_from=date(2025, 6, 2),
        valid_to=date(2030, 6, 1),
        source="application",
    )


def test_a_certificate_is_stored_and_downloaded(object_store, household, client, member):
    certificate = issued_certificate(household["insured"])
    assert _keys(object_store) == [certificate.pdf.name]
    assert certificate.pdf.name.startswith("certificates/2025/06/")
    client.force_login(member)
    response = client.get(reverse("eligibility:member_certificate_pdf", args=[certificate.pk]))
    _, text = pdf_text(_downloaded(response))
    assert "資格確認書" in text and household["insured"].kigo in text
    _no_local_media()


def test_a_print_file_is_stored_and_staff_download_it(object_store, household, client, clerk):
    batch = start()
    run_all(batch)
    assert print_file.build_print_file(batch.pk)
    batch.refresh_from_db()
    notices = Notice.objects.filter(batch=batch)
    assert _keys(object_store) == sorted([batch.print_file.name, *(n.pdf.name for n in notices)])
    client.force_login(clerk)
    pdf = _downloaded(client.get(reverse("notices:batch_print", args=[batch.pk])))
    pages, text = pdf_text(pdf)
    assert pages == notices.count() == 2  # the insured and the spouse enrolled on the cut-off
    assert NUMBERS["insured"][-4:] in text and NUMBERS["spouse"][-4:] in text
    _no_local_media()


def test_an_issued_file_is_never_overwritten(object_store):
    first = default_storage.save("notices/2024/10/same.pdf", ContentFile(b"%PDF-1 first"))
    second = default_storage.save("notices/2024/10/same.pdf", ContentFile(b"%PDF-1 second"))
    assert first == "notices/2024/10/same.pdf" and second != first
    assert _object(object_store, first)["Body"].read() == b"%PDF-1 first"


def test_orphans_are_listed_by_prefix_and_removed_from_the_bucket(object_store, household):
    notice = issue(household["insured"])
    orphan = default_storage.save("notices/2024/10/left-behind.pdf", ContentFile(b"%PDF-1.7"))
    deep = default_storage.save("certificates/2024/10/gone.pdf", ContentFile(b"%PDF-1.7"))
    now = timezone.now()
    # Just written: inside the grace period, left alone.
    assert orphan_files.find_orphans(now=now) == orphan_files.Orphans([], 2)
    later = now + orphan_files.GRACE + timedelta(minutes=1)
    found = orphan_files.remove_orphans(now=later)
    assert found.names == sorted([orphan, deep])
    assert _keys(object_store) == [notice.pdf.name]
    assert AuditEvent.objects.get(action="storage.orphans_removed").detail["count"] == 2


def test_a_file_missing_from_the_bucket_gives_an_error_page(
    object_store, household, client, member
):
    notice = issue(household["insured"])
    _s3(object_store["OBJECT_STORE_ENDPOINT_URL"]).delete_object(
        Bucket=object_store["OBJECT_STORE_BUCKET"], Key=notice.pdf.name
    )
    client.force_login(member)
    response = client.get(reverse("notices:member_notice_pdf", args=[notice.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert page.count("<h1") == 1 and "PDFファイルを表示できません" in page


def test_local_media_on_another_machine_fails_cleanly(
    household, client, member, settings, tmp_path
):
    """The contrast: without an object store, a notice written under one machine's MEDIA_ROOT
    is not there for a web process whose MEDIA_ROOT is another, empty directory."""
    settings.MEDIA_ROOT = tmp_path / "worker-media"
    notice = issue(household["insured"])
    assert (settings.MEDIA_ROOT / notice.pdf.name).is_file()
    settings.MEDIA_ROOT = tmp_path / "web-media"
    client.force_login(member)
    response = client.get(reverse("notices:member_notice_pdf", args=[notice.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert page.count("<h1") == 1 and "PDFファイルを表示できません" in page
    assert "ページが見つかりません</h1>" not in page


def test_settings_refuse_an_unknown_encryption_and_default_to_local_files(monkeypatch):
    monkeypatch.delenv("OBJECT_STORE_BUCKET", raising=False)
    assert env.default_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    monkeypatch.setenv("OBJECT_STORE_BUCKET", "portal-pdfs")
    monkeypatch.setenv("OBJECT_STORE_SSE", "aes256")
    with pytest.raises(ImproperlyConfigured, match="OBJECT_STORE_SSE"):
        env.default_storage()
    monkeypatch.delenv("OBJECT_STORE_SSE")
    for name in ("OBJECT_STORE_ENDPOINT_URL", "OBJECT_STORE_REGION", *ACCESS):
        monkeypatch.delenv(name, raising=False)
    options = env.default_storage()["OPTIONS"]
    # Plain AWS: the region's default, boto3's own credentials chain, no encryption header.
    assert options["region_name"] == REGION and options["endpoint_url"] is None
    assert options["access_key"] is None and options["secret_key"] is None
    assert options["object_parameters"] == {} and options["file_overwrite"] is False


def test_check_deploy_warns_about_media_on_one_machine(settings):
    settings.DEBUG, settings.OBJECT_STORE_BUCKET, settings.MEDIA_ROOT_SHARED = False, "", False
    assert [w.id for w in checks.stored_files_reach_every_machine(None)] == ["portal.W020"]
    settings.MEDIA_ROOT_SHARED = True
    assert checks.stored_files_reach_every_machine(None) == []
    settings.MEDIA_ROOT_SHARED, settings.OBJECT_STORE_BUCKET = False, "portal-pdfs"
    assert checks.stored_files_reach_every_machine(None) == []


# --- two processes, two media directories, one object store ---------------------------------


def _process_env(media: Path, store: dict[str, str]) -> dict[str, str]:
    """A child on the test database, with its own media directory and this test's bucket."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("OBJECT_STORE_")},
        "DATABASE_URL": database_url(),
        "PORTAL_DOTENV": "",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "MYNUMBER_KEYS": django_settings.MYNUMBER_KEYS,
        "MYNUMBER_HMAC_KEY": django_settings.MYNUMBER_HMAC_KEY,
        "MFA_SECRET_KEYS": django_settings.MFA_SECRET_KEYS,
        "MEDIA_ROOT": str(media),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
        **store,
    }


def test_a_worker_issues_and_another_machine_serves_the_download(
    transactional_db, household, store_env, client, member, tmp_path
):
    worker_media, web_media = tmp_path / "worker-media", tmp_path / "web-media"
    worker_media.mkdir()
    web_media.mkdir()
    batch = start()  # enqueued on commit (no transaction here: now)
    worker = subprocess.Popen(
        WORKER,
        cwd=ROOT,
        env=_process_env(worker_media, store_env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(
            lambda: NoticeBatch.objects.filter(pk=batch.pk).exclude(print_file="").exists(),
            worker,
            what="the batch and its print file",
        )
    finally:
        _stop(worker)
    notice = Notice.objects.get(batch=batch, member=household["insured"])
    assert notice.pdf.name in _keys(store_env)

    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:portal.gunicorn", "portal.wsgi"],
        cwd=ROOT,
        env={
            **_process_env(web_media, store_env),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: port_answers(port), web, what="gunicorn")
        client.force_login(member)  # a session in the database, which the web process reads
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}" + reverse("notices:member_notice_pdf", args=[notice.pk]),
            headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (ours)
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/pdf"
            pdf = response.read()
    finally:
        _stop(web)
    pages, text = pdf_text(pdf)
    assert pages == 1 and NUMBERS["insured"][-4:] in text and NUMBERS["insured"] not in text
    assert PdfReader(io.BytesIO(pdf)).pages
    # Neither machine's own directory holds anything: the object store does.
    assert list(worker_media.iterdir()) == [] and list(web_media.iterdir()) == []
    assert AuditEvent.objects.filter(action="notice.download", actor=member).count() == 1
