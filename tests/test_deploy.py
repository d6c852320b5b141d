"""deploy/: the systemd units pass `systemd-analyze verify` and its offline security review, the
nginx site file passes `nginx -t`, and a request through that nginx reaches a gunicorn started
with portal-web.service's own command line carrying what the portal trusts: the scheme (HSTS,
no redirect loop), the client's address (the audit log), the upload limit, failover."""

from __future__ import annotations

import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.test import Client

from portal.env import read_dotenv
from portal.models import AuditEvent
from tests.personas import PASSWORD
from tests.processes import database_url, stop

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
SITE = DEPLOY / "nginx" / "kenpo-portal.conf"
HOME = "/opt/kenpo-portal"
VENV_BIN = str(Path(sys.executable).parent)
# The brief's ports for this test: gunicorn, a machine that is down, nginx http and https.
GUNICORN_PORT, DEAD_PORT, HTTP_PORT, HTTPS_PORT = 8244, 8245, 8246, 8247

needs_systemd_analyze = pytest.mark.skipif(
    not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed"
)


def _installed(unit: str) -> str:
    """A unit as it would be installed, pointing at this checkout and its venv."""
    text = (UNITS / unit).read_text(encoding="utf-8")
    return text.replace(f"{HOME}/.venv/bin", VENV_BIN).replace(HOME, str(ROOT))


def _units_in(directory: Path) -> list[Path]:
    for unit in sorted(UNITS.iterdir()):
        (directory / unit.name).write_text(_installed(unit.name), encoding="utf-8")
    # A template is verified as one of its instances.
    instance = directory / "portal-worker@notices-1.service"
    instance.write_text(_installed("portal-worker@.service"), encoding="utf-8")
    return [path for path in sorted(directory.iterdir()) if "@." not in path.name]


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)


def _verify(paths: list[Path]) -> tuple[int, str]:
    result = _run(["systemd-analyze", "verify", "--man=no", *map(str, paths)])
    return result.returncode, (result.stdout + result.stderr).strip()


@needs_systemd_analyze
def test_every_unit_verifies_without_a_word(tmp_path):
    paths = _units_in(tmp_path)
    assert {path.name for path in paths} >= {
        "portal-web.service",
        "portal-worker@notices-1.service",
        "portal-resume.service",
        "portal-maintenance.service",
        "portal-maintenance.timer",
    }
    assert _verify(paths) == (0, "")


@needs_systemd_analyze
def test_verify_speaks_up_about_a_broken_unit(tmp_path):
    # What the test above would see if a unit were wrong: a misspelt key, a missing program.
    typo = tmp_path / "typo.service"
    typo.write_text(_installed("portal-web.service").replace("Restart=", "Restrat="))
    assert "Unknown key" in _verify([typo])[1]
    missing = tmp_path / "missing.service"
    missing.write_text(_installed("portal-web.service").replace("bin/gunicorn", "bin/gunicron"))
    code, output = _verify([missing])
    assert code != 0 and "not executable" in output


@needs_systemd_analyze
@pytest.mark.parametrize("unit", ["portal-web.service", "portal-worker@notices-1.service"])
def test_services_are_hardened(tmp_path, unit):
    _units_in(tmp_path)
    result = _run(
        ["systemd-analyze", "security", "--offline=yes", "--threshold=20", str(tmp_path / unit)]
    )
    overall = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert overall, result.stdout[-500:]
    # 0 is a sealed box, 10 an unconfined root process: 2.0 at most (threshold=20).
    assert result.returncode == 0 and float(overall.group(1)) <= 2.0


def _service(unit: str, instance: str = "") -> tuple[list[str], dict[str, str]]:
    """ExecStart and Environment= of an installed unit, with systemd's specifiers expanded."""
    command, environment = None, {}
    for line in _installed(unit).splitlines():
        key, _, value = line.partition("=")
        value = value.replace("%i", instance).replace("%H", "host").replace("%%", "%")
        if key == "ExecStart":
            command = shlex.split(value.replace("$$", "$"))
        elif key == "Environment":
            name, _, setting = value.partition("=")
            environment[name] = setting
    assert command, unit
    return command, environment


def _process_env(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "MYNUMBER_KEYS": settings.MYNUMBER_KEYS,
        "MYNUMBER_HMAC_KEY": settings.MYNUMBER_HMAC_KEY,
        "MFA_SECRET_KEYS": settings.MFA_SECRET_KEYS,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def test_a_worker_instance_serves_the_queue_in_its_name(transactional_db, tmp_path):
    command, environment = _service("portal-worker@.service", "notices-2")
    environment.update(PORTAL_WORKER="notices-2", XDG_CACHE_HOME=str(tmp_path))
    # The unit's own command line, told to stop once the (empty) queue is done.
    command[-1] += " --batch --verbosity 2"
    result = _run(
        command, cwd=ROOT, env=_process_env(**environment, MEDIA_ROOT=str(tmp_path / "media"))
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "queues=notices" in result.stdout + result.stderr
    assert "id=host-notices-2" in result.stdout + result.stderr


def test_env_example_names_only_settings_the_portal_reads():
    example = read_dotenv(DEPLOY / "env.example")
    read = "".join(
        (ROOT / "portal" / name).read_text(encoding="utf-8")
        for name in ("settings.py", "env.py", "gunicorn.py")
    )
    assert [key for key in example if f'"{key}"' not in read] == []
    required = set(re.findall(r'env_str\("([A-Z_]+)"\)', read))
    assert required and required <= set(example)
    assert example["BEHIND_TLS_PROXY"] == "1" and example["TRUSTED_PROXY_HOPS"] == "1"


def test_nginx_takes_uploads_as_large_as_the_portal_does():
    limit = re.search(r"client_max_body_size (\d+)m;", SITE.read_text(encoding="utf-8"))
    allowed = int(limit.group(1)) * 2**20
    # Room for the form around the largest roster file, not for a second file.
    assert (
        settings.ROSTER_UPLOAD_MAX_BYTES < allowed <= settings.ROSTER_UPLOAD_MAX_BYTES + 4 * 2**20
    )


# --- nginx --------------------------------------------------------------------------------------


def _nginx_files(directory: Path, site: str) -> Path:
    """A top-level configuration around the site file, everything under `directory`, with a
    self-signed certificate made now."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    site = (
        site.replace("/etc/kenpo-portal/tls/fullchain.pem", str(directory / "cert.pem"))
        .replace("/etc/kenpo-portal/tls/privkey.pem", str(directory / "key.pem"))
        .replace("/var/lib/nginx/kenpo-portal-static", str(directory / "cache"))
    )
    (directory / "site.conf").write_text(site, encoding="utf-8")
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = " ".join(f"{kind}_temp_path {directory / kind};" for kind in kinds)
    config = directory / "nginx.conf"
    config.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {directory / 'nginx.pid'};\nevents {{}}\nhttp {{\n"
        + f"include /etc/nginx/mime.types; access_log off; {temp}\n"
        + f"include {directory / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    return config


def _nginx(config: Path, *args: str) -> subprocess.CompletedProcess:
    directory = str(config.parent)
    return _run(
        ["nginx", "-p", directory, "-e", f"{directory}/error.log", "-c", str(config), *args]
    )


def test_the_site_file_passes_nginx_t(tmp_path):
    site = SITE.read_text(encoding="utf-8")
    assert _nginx(_nginx_files(tmp_path, site), "-t").returncode == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    result = _nginx(_nginx_files(broken, site.replace("ssl_protocols", "ssl_protocol")), "-t")
    assert result.returncode != 0 and "unknown directive" in result.stderr


# --- a request through nginx to gunicorn --------------------------------------------------------


def _request(port: int, method: str, path: str, *, tls: bool = True, **headers: str):
    context = ssl._create_unverified_context()  # noqa: S323 (the test's self-signed certificate)
    # From 127.0.0.2: the address nginx sees and the portal must record, not nginx's own.
    kwargs = {"timeout": 30, "source_address": ("127.0.0.2", 0)}
    connection = (
        http.client.HTTPSConnection("127.0.0.1", port, context=context, **kwargs)
        if tls
        else http.client.HTTPConnection("127.0.0.1", port, **kwargs)
    )
    body = headers.pop("body", None)
    try:
        connection.request(method, path, body=body, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """gunicorn from portal-web.service's ExecStart and Environment=, production settings."""
    static = tmp_path / "static"
    command, environment = _service("portal-web.service")
    environment["XDG_CACHE_HOME"] = str(tmp_path)
    notify_path = str(tmp_path / "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(60)
    env = _process_env(
        **environment,
        DJANGO_SETTINGS_MODULE="tests.settings_static_root",
        PORTAL_TEST_STATIC_ROOT=str(static),
        DEBUG="0",
        ALLOWED_HOSTS="localhost",
        BEHIND_TLS_PROXY="1",
        TRUSTED_PROXY_HOPS="1",
        GUNICORN_BIND=f"127.0.0.1:{GUNICORN_PORT}",
        WEB_CONCURRENCY="2",
        MEDIA_ROOT=str(tmp_path / "media"),
        MEDIA_ROOT_SHARED="1",
        # gunicorn trusts X-Forwarded-Proto from 127.0.0.1 itself; here, as with a proxy on
        # another machine, only the portal's BEHIND_TLS_PROXY may make the request secure.
        FORWARDED_ALLOW_IPS="192.0.2.1",
        NOTIFY_SOCKET=notify_path,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        # Type=notify: systemd waits for this before starting what comes after the portal.
        assert b"READY=1" in notify.recv(4096)
        yield process
    finally:
        notify.close()
        stop(process)


@pytest.fixture
def nginx(tmp_path, gunicorn):
    site = SITE.read_text(encoding="utf-8")
    site = re.sub(
        r"server 10\.0\.1\.11:8000 ([^;]*);\s*server 10\.0\.1\.12:8000",
        rf"server 127.0.0.1:{GUNICORN_PORT} \1;\n    server 127.0.0.1:{DEAD_PORT}",
        site,
    )
    site = (
        site.replace("listen 80;", f"listen 127.0.0.1:{HTTP_PORT};")
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{HTTPS_PORT} ssl;")
        .replace("listen [::]:80;\n", "")
        .replace("listen [::]:443 ssl;\n", "")
    )
    directory = tmp_path / "nginx"
    directory.mkdir()
    config = _nginx_files(directory, site)
    started = _nginx(config)
    assert started.returncode == 0, started.stderr
    try:
        yield
    finally:
        _nginx(config, "-s", "stop")


def test_a_request_through_nginx_arrives_as_the_portal_expects(nginx, gunicorn, member):
    for _ in range(4):  # round robin meets the machine that is down: never the client
        response, body = _request(HTTPS_PORT, "GET", "/healthz")
        assert (response.status, body) == (200, b"ok")
        # X-Forwarded-Proto made the request secure: the portal's HSTS, exactly once.
        assert response.headers.get_all("Strict-Transport-Security") == [
            "max-age=31536000; includeSubDomains; preload"
        ]
        assert response.headers["Server"] == "nginx"  # no version

    response, _ = _request(
        HTTP_PORT, "GET", "/member/", tls=False, **{"X-Forwarded-Proto": "https"}
    )
    assert (response.status, response.headers["Location"]) == (301, "https://localhost/member/")

    # A page, and a form posted through the proxy: CSRF holds over the forwarded scheme, and
    # the audit log records the client's address, not the proxy's nor what the client claims.
    response, body = _request(HTTPS_PORT, "GET", "/accounts/login/")
    assert response.status == 200 and body.count(b"<h1") == 1
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    # Its stylesheet, hashed and cached by the proxy: served twice alike.
    stylesheet = re.search(rb'href="(/static/[^"]+\.css)"', body).group(1).decode()
    for _ in range(2):
        response, css = _request(HTTPS_PORT, "GET", stylesheet)
        assert (
            response.status == 200
            and b"{" in css
            and "immutable" in response.headers["Cache-Control"]
        )
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    response, body = _request(
        HTTPS_PORT, "POST", "/accounts/login/",
        body=f"csrfmiddlewaretoken={token}&login={member.email}&password=wrong-{PASSWORD}",
        **{"Cookie": cookie.split(";")[0], "Origin": "https://localhost",
           "Content-Type": "application/x-www-form-urlencoded",
           "X-Forwarded-For": "203.0.113.9"},
    )  # fmt: skip
    assert response.status == 200 and "パスワード".encode() in body
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.ip_address == "127.0.0.2"

    # A member's own page, with the session made here: nothing lives in the web process.
    client = Client()
    client.force_login(member)
    session = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    response, body = _request(HTTPS_PORT, "GET", "/member/", Cookie=session)
    assert response.status == 200 and body.count(b"<h1") == 1
    assert "no-store" in response.headers["Cache-Control"]

    # A body over the limit is refused by nginx, in Japanese, before it reaches a worker.
    response, body = _request(
        HTTPS_PORT, "POST", "/staff/imports/", **{"Content-Length": str(60 * 2**20)}
    )
    assert response.status == 413 and "ファイルが大きすぎます" in body.decode()

    # Every web machine down: the proxy's own page, not a bare 502.
    gunicorn.send_signal(signal.SIGTERM)
    gunicorn.wait(timeout=30)
    response, body = _request(HTTPS_PORT, "GET", "/member/", Cookie=session)
    assert response.status == 503 and "しばらくしてから" in body.decode()
    assert response.headers["Retry-After"] == "60"
