"""What the PDFs need from the machine: the Japanese font, HarfBuzz's subsetter, and the object
store that keeps them when there is one."""

from __future__ import annotations

import ctypes.util
import functools
import logging
import shutil
import subprocess
from typing import Any

from botocore.exceptions import ClientError
from django.core.files.storage import storages
from django.db import connection

logger = logging.getLogger(__name__)

# IPAmj Mincho is the fallback for rare kanji in names that IPAex lacks (𠮷 and the like).
FONT_FAMILIES = ("IPAexGothic", "IPAexMincho", "IPAmjMincho")


@functools.cache
def missing_fonts() -> tuple[str, ...]:
    if not shutil.which("fc-list"):
        return FONT_FAMILIES
    listed = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, check=False, timeout=10
    ).stdout
    return tuple(family for family in FONT_FAMILIES if family not in listed)


@functools.cache
def has_harfbuzz_subset() -> bool:
    # The same library WeasyPrint loads; without it, it falls back to fontTools (4-40x slower).
    return ctypes.util.find_library("harfbuzz-subset") is not None


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def object_store_problem() -> str | None:
    """The object store (OBJECT_STORE_BUCKET set): None when it answers a HEAD of the bucket
    (reachable, the credentials valid, s3:ListBucket granted); else what went wrong, an
    error's class and code only. Asked afresh each time: nothing hides an outage."""
    storage = storages["default"]
    try:
        _probe_client(storage).head_bucket(Bucket=storage.bucket_name)
    except ClientError as error:
        problem = f"ClientError {error.response.get('Error', {}).get('Code', '')}".strip()
    except Exception as error:  # unreachable, timed out, no credentials: all not ready
        problem = type(error).__name__
    else:
        return None
    logger.warning("object store not answering: %s", problem)
    return problem


@functools.lru_cache(maxsize=1)
def _probe_client(storage: Any) -> Any:
    from botocore.config import Config  # only with an object store: botocore loads slowly

    # /readyz must answer within a load balancer's probe timeout even when the endpoint is dead:
    # one try, short waits (downloads retry: portal.env.default_storage). The storage's own
    # credentials and endpoint, as its downloads get them. Kept: a new client costs ~0.1 s.
    probe = Config(
        connect_timeout=2, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 1}
    )
    return storage._create_session().client(
        "s3",
        region_name=storage.region_name,
        use_ssl=storage.use_ssl,
        endpoint_url=storage.endpoint_url,
        config=storage.client_config.merge(probe),
        verify=storage.verify,
    )
