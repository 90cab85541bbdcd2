"""gunicorn reads this from the working directory (production's image and `bench_segment` alike).

It names no server software or version in its answers (`Server: gunicorn/<version>` tells an
attacker what to look up). The application is loaded once, before the workers fork: a worker
then starts in milliseconds instead of importing Django, pandas and scipy on its own (seconds
on a busy machine, during which the Segment libraries' requests time out and are retried).
Workers, 2 x cores + 1 (`WEB_CONCURRENCY` overrides): requests are short and CPU-bound, so
processes use every core where threads would share one interpreter lock. Each is a `gthread`
worker with one request thread (`GUNICORN_THREADS` overrides): one request at a time, as a sync
worker, but a client's connection is kept alive between its requests. The Segment and
RudderStack libraries post batch after batch on one kept-alive connection; a sync worker closed
it after every answer, so each batch paid a new TCP connection at both ends (`bench_segment`
on fresh databases, interleaved: 157-160 ms of CPU per 1,000 events against 174-185).
"""

import gc
import os

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "Candor"

preload_app = True
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 1))


def pre_fork(server, worker):
    """The objects of Django's start-up live as long as the process: frozen out of the cyclic
    collector, a full collection no longer walks them all (a quarter of the drain's Python
    time), and the workers keep sharing their pages with the master."""
    gc.freeze()
