"""Raw PostgreSQL statements around querysets."""

from __future__ import annotations

from django.db import connections
from django.db.models import QuerySet
from psycopg import ClientCursor, sql


def queryset_sql(queryset: QuerySet) -> sql.Composable:
    """The queryset's SELECT, its parameters merged in, to compose a larger statement.

    Raw statements that need more than the ORM can say (a ``COPY``, a
    ``LATERAL`` join) take their rows from a queryset, so which rows they read
    is written once, in the ORM. The parameters are merged on the client
    because ``COPY`` takes none, and so that no ``%`` of the larger statement
    is read as a placeholder.
    """
    text, params = queryset.query.sql_with_params()
    connection = connections[queryset.db]
    connection.ensure_connection()
    return sql.SQL(ClientCursor(connection.connection).mogrify(text, params))
