"""gunicorn settings: `gunicorn -c python:portal.gunicorn portal.wsgi`.

Sync workers queue requests behind each other; a download waits on the database (session,
roles, the audit row), so a few threads per worker keep the CPU busy while one waits.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Batch pages and print files are the slowest responses; nothing legitimate takes longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = "-"
access_log_format = "%(t)s %(s)s %(m)s %(U)s %(b)s %(D)sus"  # no query strings, no referers
