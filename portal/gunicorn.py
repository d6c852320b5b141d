"""gunicorn settings: `gunicorn -c python:portal.gunicorn portal.wsgi`.

One sync worker per core. Measured with bench/notices.py on two cores, 8 clients at once
downloading notices: 2 sync workers 23 ms median, 5 sync workers (the usual 2 x cores + 1)
29 ms, 5 gthread workers of 4 threads 27 ms. A download is mostly CPU (the session, the roles,
the audit row, streaming the file), so extra processes only queue for the same cores.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
# Batch pages and print files are the slowest responses; nothing legitimate takes longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = "-"
access_log_format = "%(t)s %(s)s %(m)s %(U)s %(b)s %(D)sus"  # no query strings, no referers
# Recent gunicorn (27) opens a control socket under $HOME by default: nothing uses it, two servers
# on one machine would share its path, and the systemd unit gives the portal no writable home.
control_socket_disable = True
