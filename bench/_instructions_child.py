"""One page served in process, for bench/page_instructions.py, which runs this under callgrind
and switches counting on between the files it waits for and writes (PAGE_TAG.ready/.go/.done/
.stop). The environment (database, keys, media) is the parent's; PAGE_CODE is the checkout."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

code = Path(os.environ["PAGE_CODE"])
sys.path.insert(0, str(code))
os.chdir(code)

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

path, _, query = os.environ["PAGE_PATH"].partition("?")
cookie = os.environ["PAGE_COOKIE"]
tag = Path(os.environ["PAGE_TAG"])
app = WSGIHandler()


def request() -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "443",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    statuses: list[str] = []
    body = app(environ, lambda status, headers, *rest: statuses.append(status))
    b"".join(body)
    body.close()
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{path} answered {statuses[0]}")


def wait_for(suffix: str) -> None:
    while not tag.with_suffix(suffix).exists():
        time.sleep(0.05)


for _ in range(15):
    request()
tag.with_suffix(".ready").touch()
wait_for(".go")
for _ in range(int(os.environ["PAGE_REQUESTS"])):
    request()
tag.with_suffix(".done").touch()
wait_for(".stop")
