"""The local installation's own secret key, made on first use.

A fixed key in the code would let anyone who knows a response's id compute its
resume token on every installation started with the run command. Each
installation instead draws its key once and keeps it in DATA_DIR (gitignored,
never committed); ``DJANGO_SECRET_KEY`` overrides it.
"""

import contextlib
import os
import secrets
import tempfile

from config.paths import DATA_DIR

KEY_FILE = DATA_DIR / "secret-key"


def local_secret_key() -> str:
    """Read this installation's key, drawing and storing it the first time.

    Processes starting at once (web, worker, beat) end up with the same key:
    the file appears whole (a hard link to a written temporary file) or not at
    all, and whoever links first wins.
    """
    try:
        return KEY_FILE.read_text().strip()
    except FileNotFoundError:
        pass
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=DATA_DIR, prefix=".secret-key-")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
        # Another process may have stored its key first: then use that one.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, KEY_FILE)
    finally:
        os.unlink(temporary)
    return KEY_FILE.read_text().strip()
