"""Where the project and its data folder are.

Read before the settings, so that local settings can start the embedded
database (which lives in the data folder) before base.py reads DATABASE_URL.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# The project's data folder: the state a local install generates (the embedded
# PostgreSQL's data in DATA_DIR/postgres). Gitignored; delete it to start afresh.
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / ".data"))).resolve()
