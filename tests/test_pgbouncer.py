"""Behind PgBouncer in transaction mode (README "Behind PgBouncer"): a real PgBouncer 1.18 in front
of the test database (tests/pgbouncer_world.py), and real work through it in child processes
with DATABASE_POOLER=transaction: a roster import, two task workers issuing a batch, gunicorn
serving a member's sign-in, download and the per-address limit, an auditor's CSV export, and
`check --deploy`. The failure modes the switch avoids are shown failing through the same pooler:
the startup parameter, a cursor held across transactions, prepared statements."""

from __future__ import annotations

import csv
import http.cookiejar
import json
import re
import runpy
import urllib.request
from collections import Counter
from urllib.error import HTTPError
from urllib.parse import urlencode

import psycopg
import pytest
from django.conf import global_settings
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse

from members.models import Member, RosterImport
from notices.batches import services as batches
from notices.models import Notice, NoticeBatch
from notices.verification import token_for
from portal.database_roles import ignore_default_warnings, set_ignore_default
from portal.dev import setup as devsetup
from portal.dev.demo import ensure_insurer
from portal.models import AuditEvent
from tests import notice_world, pgbouncer_world
from tests.factories import make_employer, make_member
from tests.notice_world import NUMBERS, pdf_text
from tests.personas import PASSWORD
from tests.pgbouncer_world import ROOT, SERVER_PORTS, child_env, free_port, run, start
from tests.processes import port_answers, stop, wait_until
from tests.test_guards import _production_env

household = notice_world.household
pooler = pgbouncer_world.pooler
WORKER = ["manage.py", "db_worker", "--queue-name", "*", "--interval", "0.1",
          "--no-startup-delay", "--no-reload", "--verbosity", "0"]  # fmt: skip


def _settings(monkeypatch, **env: str) -> dict:
    """portal/settings.py evaluated afresh with these environment variables."""
    monkeypatch.delenv("DATABASE_POOLER", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "portal" / "settings.py"))


def test_the_switch_sets_what_each_mode_needs(monkeypatch):
    direct = _settings(monkeypatch)["DATABASES"]["default"]
    assert direct["OPTIONS"]["options"] == "-c pgtrigger.ignore={}"
    assert "DISABLE_SERVER_SIDE_CURSORS" not in direct
    session = _settings(monkeypatch, DATABASE_POOLER="session")["DATABASES"]["default"]
    assert "options" not in session["OPTIONS"] and "DISABLE_SERVER_SIDE_CURSORS" not in session
    # A URL asking for prepared statements does not get them behind a transaction pooler.
    url = _settings(monkeypatch)["DATABASES"]["default"]
    monkeypatch.setenv(
        "DATABASE_URL",
        f"postgres://{url['USER']}:{url['PASSWORD']}@{url['HOST']}:{url['PORT']}/{url['NAME']}"
        "?prepare_threshold=5",
    )
    pooled = _settings(monkeypatch, DATABASE_POOLER="transaction")["DATABASES"]["default"]
    assert "options" not in pooled["OPTIONS"] and pooled["OPTIONS"]["prepare_threshold"] is None
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["CONN_MAX_AGE"] == 60 and pooled["CONN_HEALTH_CHECKS"] is True
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOLER must be"):
        _settings(monkeypatch, DATABASE_POOLER="statement")


def test_the_superuser_lets_the_owner_set_the_default():
    statements = devsetup.role_statements(
        "postgres://portal:o@127.0.0.1:5432/portal", "postgres://portal_app:a@127.0.0.1:5432/x"
    )
    assert statements[-1] == 'GRANT SET ON PARAMETER pgtrigger.ignore TO "portal"'


def _direct(**options: object) -> psycopg.Connection:
    """The test database as the portal's role, straight to PostgreSQL, no startup options."""
    database = connection.settings_dict
    return psycopg.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        **options,
    )


def _ignore(conn: psycopg.Connection) -> str | None:
    return conn.execute("SELECT current_setting('pgtrigger.ignore', true)").fetchone()[0]


def test_pgbouncer_refuses_the_startup_parameter_and_the_database_default_stands_in(pooler):
    # What DATABASE_POOLER=none sends: PgBouncer refuses the connection outright.
    with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter: options"):
        pooler.connect(options="-c pgtrigger.ignore={}")
    # The migrate that made the test database set the default: every session starts with it,
    # so pgtrigger's check never aborts a subtransaction (settings.py), pooled or not.
    with pooler.connect() as pooled, _direct() as direct:
        grant = "the owner needs GRANT SET ON PARAMETER pgtrigger.ignore (make prepare grants it)"
        assert _ignore(pooled) == _ignore(direct) == "{}", grant
        assert pooled.execute("SHOW pgtrigger.ignore").fetchone()[0] == "{}"


def test_check_deploy_warns_behind_the_pooler_until_migrate_sets_the_default(pooler):
    with pooler.connect("owner", autocommit=True) as owner, owner.cursor() as cursor:
        owner.execute(f'ALTER DATABASE "{pooler.dbname}" RESET pgtrigger.ignore')
        try:
            with _direct() as fresh:
                assert _ignore(fresh) is None
            assert ignore_default_warnings(cursor, "none") == []  # the startup parameter
            [warning] = ignore_default_warnings(cursor, "transaction")
            assert warning.id == "portal.W011" and "GRANT SET ON PARAMETER" in warning.hint
        finally:
            assert set_ignore_default(cursor) is True  # what every migrate runs
        assert ignore_default_warnings(cursor, "transaction") == []
    with _direct() as fresh:
        assert _ignore(fresh) == "{}"


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [
        # Said to be a session pooler: the cursor lives on a server another client now holds.
        ("session", {"error": "34000"}),  # invalid_cursor_name
        ("transaction", {"rows": ["1201", "1305", "1402"]}),
    ],
)
def test_an_iterator_outside_a_transaction_needs_the_switch(
    pooler, transactional_db, mode, outcome
):
    for kigo in ("1201", "1305", "1402"):
        make_employer(kigo)
    result = run(["-m", "tests.pgbouncer_probe"], child_env(pooler, mode))
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.splitlines()[-1]) == {**outcome, "timezone": "UTC"}


def test_prepared_statements_break_through_the_pooler(pooler):
    # Two clients one after the other get the same server connection; psycopg names its first
    # prepared statement alike on each. Django's cursors bind on the client and never prepare;
    # the switch pins prepare_threshold to None all the same.
    with pooler.connect(prepare_threshold=0, autocommit=True) as first:
        first.execute("SELECT 1")
    with pooler.connect(prepare_threshold=0, autocommit=True) as second:
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
            second.execute("SELECT 2")
        second.execute("DEALLOCATE ALL")  # leave the server clean for the other tests
    with pooler.connect(prepare_threshold=None, autocommit=True) as third:
        assert third.execute("SELECT 3").fetchone() == (3,)


def test_a_roster_import_runs_through_the_pooler(pooler, transactional_db):
    ensure_insurer()
    files = [str(ROOT / "tests" / "data" / name) for name in ("employers.csv", "members.csv")]
    result = run(["manage.py", "import_roster", *files], child_env(pooler))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    with open(files[1], encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert Member.objects.count() == len(rows)
    assert (
        list(RosterImport.objects.values_list("outcome", flat=True).order_by("pk"))
        == [RosterImport.Outcome.APPLIED] * 2
    )
    numbered = sum(1 for row in rows if row["個人番号"].strip())
    assert AuditEvent.objects.filter(action="mynumber.register").count() == numbered


def test_two_workers_issue_a_batch_through_the_pooler(pooler, transactional_db, monkeypatch):
    monkeypatch.setattr(batches, "CHUNK_SIZE", 3)
    ensure_insurer()
    employer = make_employer("1201")
    for n in range(12):
        make_member(employer, bango=str(100 + n), name="佐藤　一郎")
    batch = batches.start_batch(
        reason="initial", as_of=django_settings.NOTICE_CUTOFF_DATE, scope="enrolled"
    )
    env = child_env(pooler)
    workers = [start([*WORKER, "--worker-id", f"pooled-{n}"], env) for n in (1, 2)]
    try:
        wait_until(
            lambda: NoticeBatch.objects.filter(pk=batch.pk).exclude(print_file="").exists(),
            *workers,
            what="the batch and its print file",
        )
    finally:
        stop(*workers)
    per_member = Counter(Notice.objects.filter(batch=batch).values_list("member_id", flat=True))
    assert len(per_member) == 12 and set(per_member.values()) == {1}
    assert NoticeBatch.objects.get(pk=batch.pk).status == NoticeBatch.Status.FINISHED


def _open(opener, url: str, data: dict | None = None) -> tuple[int, bytes, str]:
    body = urlencode(data).encode() if data else None
    request = urllib.request.Request(url, data=body)  # noqa: S310 (the test's own server)
    try:
        with opener.open(request, timeout=90) as response:
            return response.status, response.read(), response.geturl()
    except HTTPError as error:
        return error.code, error.read(), url


def test_gunicorn_through_the_pooler_signs_in_serves_limits_and_exports(
    pooler, transactional_db, household, member, auditor, client, settings
):
    # The web process checks passwords with the production hashers, not the suite's fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    member.set_password(PASSWORD)
    member.save()
    notice = notice_world.issue(household["insured"])
    port = free_port(SERVER_PORTS)
    env = child_env(
        pooler, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", VERIFY_MAX_PER_IP="3"
    )
    web = start(["-m", "gunicorn", "-c", "python:portal.gunicorn", "portal.wsgi"], env)
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    try:
        wait_until(lambda: port_answers(port), web, what="gunicorn")
        login = base + reverse("account_login")
        status, page, _ = _open(opener, login)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token.decode(), "login": member.email, "password": PASSWORD}
        status, page, landed = _open(opener, login, form)
        assert status == 200 and landed == base + reverse("members:home"), page[-2000:]
        status, pdf, _ = _open(
            opener, base + reverse("notices:member_notice_pdf", args=[notice.pk])
        )
        verify = base + reverse("notices:verify", args=[token_for(notice.public_id)])
        # The per-address limit's slots in the database cache, across two web processes.
        statuses = [_open(opener, verify)[0] for _ in range(4)]
        client.force_login(auditor)  # a session in the database, which the web process reads
        exporter = urllib.request.build_opener()
        exporter.addheaders = [("Cookie", f"sessionid={client.cookies['sessionid'].value}")]
        _, exported, _ = _open(exporter, base + reverse("audit_log") + "?format=csv")
    finally:
        stop(web)
    assert status == 200
    pages, text = pdf_text(pdf)
    assert pages == 1 and NUMBERS["insured"][-4:] in text and NUMBERS["insured"] not in text
    assert statuses == [200, 200, 200, 429]
    assert AuditEvent.objects.filter(action="notice.download", actor=member).count() == 1
    # The export reads keyset pages (portal.pagination.keyset_rows), outside any transaction,
    # through the pooler: every event up to the export's own, newest first.
    records = list(csv.reader(exported.decode("utf-8-sig").splitlines()))
    assert len(records) == 1 + AuditEvent.objects.count()
    assert records[1][3] == "監査ログのCSV出力"


def test_check_deploy_passes_behind_the_pooler(pooler):
    env = _production_env() | {"DATABASE_URL": pooler.url(), "DATABASE_POOLER": "transaction"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
