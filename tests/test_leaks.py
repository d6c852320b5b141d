"""The leak test: every role's main journeys with known My Numbers, then a search of everything
the portal wrote or said for them, in every spelling (plain, spaced, hyphenated, full-width,
full-width with ideographic spaces, and any other run of separators): zero hits.

Searched (tests/leak_capture.py): every response body (PDFs as text and metadata, CSV, HTML)
and header and cookie (the messages cookie decoded), every e-mail (headers, parts,
attachments), every log record of every logger at DEBUG with SQL logging on (statements and
their parameters), every row of every table (audit events, sessions decoded, the cache decoded,
mismatch events, the task queue's arguments and results), every stored file.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core import mail
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from eligibility.employers.services import ensure_link
from members import vault
from members.models import Employer
from portal.logformat import OneLineFormatter
from tests import leak_journeys as journeys
from tests.leak_capture import (
    Haystack,
    LogCapture,
    RecordingClient,
    collect_files,
    collect_mail,
    collect_tables,
    spellings,
)
from tests.leak_world import NUMBERS, People, member, spaced

NOW = datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_no_full_number_anywhere_after_every_journey(
    insurer, clerk, supervisor, auditor, employer_user, time_machine, settings
):
    time_machine.move_to(NOW)
    settings.CERTIFICATE_DEFAULT_YEARS = 5
    haystack = Haystack()
    client = RecordingClient(haystack)
    done: set = set()  # the tasks run so far
    people = People(clerk, supervisor, auditor, employer_user)
    with LogCapture() as logs:
        journeys.upload_roster(client, clerk)
        ensure_link(employer_user, Employer.objects.get(kigo="1201"))
        journeys.issue_notices(client, clerk, done)
        code = journeys.registration_code(client, clerk)
        journeys.member_signs_up_and_links(client, code)
        account = member("1201", "501").account
        case = journeys.member_reads_and_reports(client)
        journeys.clerk_searches_and_proposes(client, clerk, case)
        journeys.supervisor_approves(client, supervisor, case, done)
        journeys.member_sees_the_new_notice(client, account)
        journeys.employer_applies(client, employer_user)
        journeys.staff_issue_certificates(client, people, account, done)
        journeys.auditor_reads_the_log(client, auditor)
    logs.collect(haystack)
    mails = collect_mail(haystack)
    tables = collect_tables(haystack)
    files = collect_files(haystack)

    leaks = haystack.leaks(list(NUMBERS.values()))
    assert not leaks, "full numbers found in:\n" + "\n".join(leaks)

    # Not vacuous: every request answered without a server error, and enough was searched...
    assert all(status < 500 for _, status in client.statuses)
    assert len(client.statuses) > 100 and mails >= 3 and files >= 6
    assert tables["portal_auditevent"] > 50 and tables[DBTaskResult._meta.db_table] > 0
    assert any(name == "django.db.backends" for name, _ in logs.records)
    # ...and the last four digits did appear where they belong: the notices and staff pages.
    insured, right = NUMBERS["insured"][-4:], NUMBERS["right"][-4:]
    notice_pdfs = [
        text
        for where, text in haystack.items
        if where.startswith("GET /member/notices/") and where.endswith("/pdf/ body")
    ]
    assert any(insured in text for text in notice_pdfs)
    assert any(right in text for text in notice_pdfs)
    assert any(right in text for text in haystack.texts("GET /staff/members/"))
    assert any("資格情報のお知らせを交付しました" in m.subject for m in mail.outbox)
    # SQL statements were logged with their parameters: the keyed hashes, never the numbers.
    sql = "\n".join(line for name, line in logs.records if name == "django.db.backends")
    assert vault.number_hash(NUMBERS["right"]) in sql
    if os.environ.get("LEAK_TEST_REPORT"):  # what was searched, for a person to read
        print(*client.statuses, sep="\n")
        print(*[(m.to, m.subject) for m in mail.outbox], sep="\n")
        print(sorted(Counter(where.split(" ")[0] for where, _ in haystack.items).items()))


def test_the_finder_finds_every_spelling():
    number = NUMBERS["typed"]
    for spelling in spellings(number).values():
        haystack = Haystack()
        haystack.add("page", f"<p>番号 {spelling} です</p>")
        assert haystack.leaks([number]), spelling
    haystack = Haystack()
    haystack.add("url", f"/staff/members/?q={spaced(number).replace(' ', '+')}")
    haystack.add("zero-width", "\u200b".join(number))
    haystack.add("last four", f"下4桁 {number[-4:]}、{number[:8]}")
    assert [leak.split(":")[0] for leak in haystack.leaks([number])] == ["url", "zero-width"]


def test_sql_logging_is_off_in_the_portal_settings(settings):
    # Statements and their parameters are logged only when DEBUG or force_debug_cursor is on
    # AND django.db.backends logs at DEBUG: the settings keep that logger at INFO whatever
    # LOG_LEVEL says, so even a development run never writes parameters to the log.
    assert settings.LOGGING["loggers"]["django.db.backends"]["level"] == "INFO"
    assert not connection.force_debug_cursor


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("django.server", logging.INFO, __file__, 1, message, args, exc_info)


def test_a_log_line_never_holds_a_full_number():
    number = NUMBERS["typed"]
    try:
        raise ValueError(f"bad input {spaced(number, chr(10))}")  # over three lines
    except ValueError as error:
        record = _record('"GET /staff/members/?q=%s HTTP/1.1" 200 512', number, exc=error)
    line = OneLineFormatter("%(levelname)s %(name)s %(message)s").format(record)
    assert "GET /staff/members/?q=************ HTTP/1.1" in line and "bad input" in line
    assert not Haystack([("line", line)]).leaks([number])
    assert "200 512" in line  # short numbers stay


def test_the_development_server_writes_request_lines_through_the_portal_formatter(settings):
    # runserver (make run) logs each request line, query string included, on django.server.
    config = settings.LOGGING
    assert config["loggers"]["django.server"]["handlers"] == ["stdout"]
    assert config["handlers"]["stdout"]["formatter"] == "line"
    assert config["formatters"]["line"]["()"] == "portal.logformat.OneLineFormatter"
    ours = [
        handler
        for handler in logging.getLogger("django.server").handlers
        if not type(handler).__module__.startswith("_pytest")  # pytest's capture, in tests
    ]
    assert ours and all(isinstance(handler.formatter, OneLineFormatter) for handler in ours)
    record = _record('"GET /staff/members/?q=%s HTTP/1.1" 200 5', spaced(NUMBERS["typed"]))
    assert not Haystack([("line", ours[0].format(record))]).leaks([NUMBERS["typed"]])


def test_twelve_digits_in_a_login_address_are_refused_not_a_500(client, insurer, member):
    # The failed login's audit event used to hold the typed address: the audit guard raised.
    for login in ("123456789012@example.jp", "1234 5678 9012", "１２３４５６７８９０１２"):
        response = client.post(reverse("account_login"), {"login": login, "password": "x" * 12})
        body = response.content.decode()
        assert response.status_code == 200 and "12桁の数字" in body
        assert not Haystack([("page", body)]).leaks(["123456789012"])
    assert not client.session.get("_auth_user_id")
