"""The run command's embedded PostgreSQL (config/embedded_postgres.py), driven
from separate processes as the settings and bin/run drive it."""

import subprocess
import sys
from pathlib import Path

import psycopg

from tests.conftest import ROOT, embedded_servers, embedded_servers_gone

_DATABASE_URL = """
import sys
from pathlib import Path
from config.embedded_postgres import database_url
print(database_url(Path(sys.argv[1])))
"""


def _command(data_dir: Path, command: str) -> subprocess.CompletedProcess:
    """Run ``python -m config.embedded_postgres COMMAND`` as bin/run does."""
    return subprocess.run(
        [sys.executable, "-m", "config.embedded_postgres", command],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _current_database(url: str) -> str:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT current_database()").fetchone()[0]


def test_processes_starting_at_once_share_one_server_and_database(
    embedded_data_dir,
):
    # As web, worker and beat do when the run command starts them together.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _DATABASE_URL, str(embedded_data_dir)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, outputs
    # Quiet: no warning from the package's dependencies on any start.
    assert [stderr for _, stderr in outputs] == [""] * 4
    urls = {stdout.strip() for stdout, _ in outputs}
    assert len(urls) == 1
    assert len(embedded_servers(embedded_data_dir)) == 1
    # Every one of them has exited; the server they started runs on.
    assert _current_database(urls.pop()) == "mlops"


def test_stop_stops_the_server_and_the_next_start_finds_the_data(
    embedded_data_dir,
):
    started = _command(embedded_data_dir, "start")
    assert started.returncode == 0, started.stderr
    url = started.stdout.split("DATABASE_URL: ", 1)[1].strip()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE kept (answer integer)")
        connection.execute("INSERT INTO kept VALUES (42)")

    stopped = _command(embedded_data_dir, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped the embedded PostgreSQL" in stopped.stdout
    assert embedded_servers_gone(embedded_data_dir)
    assert not (embedded_data_dir / "postgres" / "postmaster.pid").exists()
    # Stopping again, with nothing running, is a quiet no-op.
    again = _command(embedded_data_dir, "stop")
    assert (again.returncode, again.stdout) == (0, "")

    restarted = _command(embedded_data_dir, "start")
    assert restarted.returncode == 0, restarted.stderr
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT answer FROM kept").fetchone() == (42,)


def test_a_data_folder_with_a_space_is_refused_with_a_way_out(tmp_path):
    data_dir = tmp_path / "my data"
    result = _command(data_dir, "start")
    assert result.returncode != 0
    assert "Set DATA_DIR to a folder whose path has none" in result.stderr
    assert not (data_dir / "postgres").exists()
    assert embedded_servers_gone(data_dir, timeout=0)
