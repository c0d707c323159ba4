"""Fail loudly when PostgreSQL or Redis is unreachable: the tests need both."""

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis


def main() -> int:
    database_url = os.environ["DATABASE_URL"]
    redis_url = os.environ["REDIS_URL"]
    problems = []
    parts = urlparse(database_url)
    try:
        # The maintenance database: the tests create their own.
        with psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname="postgres",
            connect_timeout=3,
            autocommit=True,
        ) as conn:
            # The named database is only needed by `makemigrations --check`'s
            # history check; the tests create their own.
            name = parts.path.lstrip("/")
            if (
                name
                and not conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
            ):
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        problems.append(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}: {exc}")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at {redis_url}: {exc}")
    if problems:
        print(
            "ERROR: the test suite needs the real services, and some are down:",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(
            "Start them (see README, 'Running the tests') or set DATABASE_URL/REDIS_URL.",
            file=sys.stderr,
        )
        return 1
    print(
        f"==> PostgreSQL and Redis reachable ({parts.hostname}:{parts.port or 5432}, {redis_url})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
