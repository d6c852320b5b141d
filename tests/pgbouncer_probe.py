"""Run by tests/test_pgbouncer.py as a child process (`python -m tests.pgbouncer_probe`) with
DATABASE_URL through the pooler: QuerySet.iterator() outside a transaction while another client
takes the server connection in between, as a concurrent request would. Prints one JSON line."""

from __future__ import annotations

import json
import os

import django
import psycopg


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.db import DatabaseError, connection

    from members.models import Employer

    outcome: dict[str, object] = {}
    # Autocommit, as a view or a command outside atomic(): each FETCH is a transaction of its own.
    rows = Employer.objects.order_by("pk").values_list("kigo", flat=True).iterator(chunk_size=1)
    first = next(rows)
    # PgBouncer hands out the server connection used last: this client's transaction holds the
    # one that declared the cursor, so the next FETCH runs on another server.
    with psycopg.connect(os.environ["DATABASE_URL"]) as other:
        other.execute("SELECT 1")
        try:
            outcome["rows"] = [first, *rows]
        except (DatabaseError, psycopg.Error) as error:
            # The FETCH fails, and so does closing the cursor (unwrapped, in Django's finally).
            outcome["error"] = getattr(error, "sqlstate", None) or error.__cause__.sqlstate
        # Django sets the time zone once per connection; PgBouncer repeats it on each server.
        with connection.cursor() as cursor:
            cursor.execute("SHOW TimeZone")
            outcome["timezone"] = cursor.fetchone()[0]
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
