"""The run command's secret key: drawn once per installation, kept, never fixed."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = "from config.secret_key import local_secret_key; print(local_secret_key())"


def _key(data_dir: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=ROOT,
        env={"DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_each_installation_draws_its_own_key_and_keeps_it(tmp_path):
    first = _key(tmp_path / "one")
    again = _key(tmp_path / "one")
    other = _key(tmp_path / "two")

    assert len(first) >= 50
    assert again == first
    assert other != first
    assert (tmp_path / "one" / "secret-key").stat().st_mode & 0o077 == 0


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _SCRIPT],
            cwd=ROOT,
            env={"DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in processes}

    assert len(keys) == 1
    assert list(tmp_path.iterdir()) == [tmp_path / "secret-key"]
