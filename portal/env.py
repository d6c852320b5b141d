"""Small strict readers for settings that come from the environment.

Each helper fails loudly on a malformed value instead of guessing: a typo in production
configuration must stop the process, not silently switch a safety off.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blank lines skipped); {} if there is none."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ImproperlyConfigured(f"{path}:{number}: expected KEY=VALUE")
        values[key.strip()] = value.strip()
    return values


def load_dotenv(path: Path) -> None:
    """Read a .env file into os.environ; variables already set win."""
    for key, value in read_dotenv(path).items():
        os.environ.setdefault(key, value)


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_date(name: str, default: date) -> date:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a date (YYYY-MM-DD), not {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_database_url(url: str) -> dict[str, object]:
    """postgres://user:password@host:port/name?sslmode=require -> Django DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured("DATABASE_URL must start with postgres:// (PostgreSQL only)")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database")
    options: dict[str, str] = {}
    for pair in filter(None, parts.query.split("&")):
        key, _, value = pair.partition("=")
        options[key] = unquote(value)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
    }


# What S3 (and most compatible stores) accept as ServerSideEncryption.
OBJECT_STORE_SSE_VALUES = ("AES256", "aws:kms", "aws:kms:dsse")


def default_storage() -> dict[str, Any]:
    """STORAGES["default"], where the stored PDFs (notices, print files, certificates) live:
    an S3-compatible object store when OBJECT_STORE_BUCKET is set, so that a file written on
    one machine is read on any other; else FileSystemStorage under MEDIA_ROOT."""
    bucket = env_str("OBJECT_STORE_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    sse = env_str("OBJECT_STORE_SSE", "")
    if sse and sse not in OBJECT_STORE_SSE_VALUES:
        raise ImproperlyConfigured(
            f"OBJECT_STORE_SSE must be one of {', '.join(OBJECT_STORE_SSE_VALUES)}, got {sse!r}"
        )
    from botocore.config import Config  # only with a bucket: botocore loads slowly

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("OBJECT_STORE_ENDPOINT_URL", "") or None,  # non-AWS stores
            "region_name": env_str("OBJECT_STORE_REGION", "ap-northeast-1"),
            # Unset: boto3's own chain (the instance's role, its environment).
            "access_key": env_str("OBJECT_STORE_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("OBJECT_STORE_SECRET_ACCESS_KEY", "") or None,
            # Objects stay private (no ACL sent: the bucket's own) and url() signs nothing:
            # downloads stream through the portal's checks and audit (portal.responses).
            "default_acl": None,
            "querystring_auth": False,
            # A name already taken gets another: an issued PDF is never replaced.
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": sse} if sse else {},
            # A download larger than this (a batch's print file) spools to a temporary file.
            "max_memory_size": 8 * 1024 * 1024,
            # boto's defaults (60 s to connect, 60 s per read, 5 tries) hold a web worker for
            # minutes on a dead endpoint: a download fails within seconds instead (a 503 page,
            # portal.responses). Standard retries: throttling and dropped connections, backed off.
            "client_config": Config(
                connect_timeout=5,
                read_timeout=20,
                retries={"mode": "standard", "total_max_attempts": 3},
            ),
        },
    }
