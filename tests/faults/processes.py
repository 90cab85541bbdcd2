"""Helpers of the fault tests: real processes (gunicorn, Celery workers, a Redis of the test's own) against the
test database, as an operator would run Candor. They run wherever REDIS_URL is set (CI); the
machine's Redis is never touched: each test that stops Redis starts its own on a free port."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

REDIS_SERVER = shutil.which("redis-server")
ROOT = Path(settings.BASE_DIR)

# Every fault test module: `pytestmark = FAULT_TESTS`.
FAULT_TESTS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="fault tests need REDIS_URL"),
    pytest.mark.skipif(REDIS_SERVER is None, reason="fault tests need redis-server"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def wait_for(condition, seconds=30.0, every=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


class OwnRedis:
    """A redis-server of the test's own, on a free port, that it may stop and start again."""

    def __init__(self, workdir: Path):
        self.port, self.workdir, self.process = free_port(), workdir, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_for(self.answers, 10), "redis-server did not start"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def database_url_of_tests() -> str:
    """The test database (which the test's transactions commit to), as a DATABASE_URL."""
    db = connection.settings_dict
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{quote(db['HOST'], safe='')}{port}/{db['NAME']}"


def production_env(redis_url: str, **extra) -> dict:
    """Candor's production settings module, on the test database and the given Redis."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "candor.settings",
        "DEBUG": "0",
        "SECRET_KEY": "fault-tests-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": database_url_of_tests(),
        "REDIS_URL": redis_url,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Process:
    """A child in its own process group, so it (and its workers) can be killed as one."""

    def __init__(self, args, env, log: Path):
        self.log = log
        self.handle = open(log, "w")
        self.popen = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=self.handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self, sig=signal.SIGKILL):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
        self.popen.wait(30)
        self.handle.close()

    def stop(self):
        if self.popen.poll() is None:
            self.kill(signal.SIGTERM)
        self.handle.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Gunicorn(Process):
    def __init__(self, env, tmp_path, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "gunicorn", "candor.wsgi:application", "--bind",
                f"127.0.0.1:{self.port}", "--workers", str(workers), "--timeout", "60"]  # fmt: skip
        super().__init__(args, env, tmp_path / "gunicorn.log")
        assert wait_for(self.answers, 60), self.output()

    def answers(self) -> bool:
        return port_answers(self.port)
