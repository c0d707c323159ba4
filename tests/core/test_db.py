"""The submission's INSERT: bound on the server, and one round trip per request."""

import json
import uuid

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from psycopg.types.json import Jsonb

from core import db

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = "core_test_insert_new"
SQL = f"INSERT INTO {TABLE} (id, body) VALUES (%s, %s)"  # noqa: S608


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id uuid PRIMARY KEY, body jsonb)")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE}")


def rows() -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, body::text FROM {TABLE}")  # noqa: S608
        return [(pk, json.loads(body)) for pk, body in cursor.fetchall()]


def insert(pk, value=None):
    db.insert_new(
        SQL,
        [pk, Jsonb(value or {"a": 1}, dumps=db.json_bytes)],
        table=TABLE,
        pk_column="id",
        pk=pk,
    )


def test_a_request_whose_first_statement_is_the_insert_sends_no_ping(table):
    connection.health_check_done = False  # as at the start of a request

    with CaptureQueriesContext(connection) as queries:
        insert(uuid.uuid4())

    assert [q["sql"].split()[0] for q in queries] == ["INSERT"]
    assert len(rows()) == 1


def test_a_dead_connection_is_opened_again_and_the_row_written_once(table):
    pk = uuid.uuid4()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=params["dbname"],
        user=params.get("user"),
        host=params.get("host"),
        port=params.get("port"),
        autocommit=True,
    ) as other:  # the server ends our session, as a restart would
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.health_check_done = False  # a new request on the dead connection

    insert(pk, {"b": 2})

    assert rows() == [(pk, {"b": 2})]


def test_an_insert_that_landed_before_the_connection_died_is_not_doubled(table, mocker):
    pk = uuid.uuid4()
    real = db.execute_bound
    calls = []

    def lands_then_dies(sql, params):
        calls.append(sql)
        real(sql, params)
        if len(calls) == 1:
            mocker.patch.object(connection, "is_usable", return_value=False)
            raise OperationalError("server closed the connection unexpectedly")

    mocker.patch.object(db, "execute_bound", side_effect=lands_then_dies)

    insert(pk)

    assert len(calls) == 2
    assert rows() == [(pk, {"a": 1})]


def test_a_failing_statement_on_a_live_connection_is_not_retried(table, mocker):
    spy = mocker.spy(db, "execute_bound")

    with pytest.raises(Exception):  # noqa: B017 - jsonb refuses the text
        db.insert_new(
            SQL, [uuid.uuid4(), "not json"], table=TABLE, pk_column="id", pk=None
        )

    assert spy.call_count == 1


def test_nothing_is_retried_when_autocommit_is_off(table, mocker):
    mocker.patch.object(connection, "is_usable", return_value=False)
    mocker.patch.object(
        db, "execute_bound", side_effect=OperationalError("connection lost")
    )
    connection.set_autocommit(False)
    try:
        with pytest.raises(OperationalError):
            insert(uuid.uuid4())
        assert db.execute_bound.call_count == 1
    finally:
        connection.rollback()
        connection.set_autocommit(True)
