"""Bulk writes straight through the database driver, with the placeholder
style of whichever driver the engine uses, so one code path serves SQLite and PostgreSQL.

SQLAlchemy's `insert()` with a list of rows spends most of its time building each row's
parameters; the indexer writes tens of thousands of rows a second and cannot afford it. The
columns' own bind processing (`Uint256`, dates) is applied, and only to the columns that
have one.
"""

from __future__ import annotations

import functools
from itertools import chain
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Dialect, Table

_ROWS_PER_STATEMENT = 500
_MAX_STATEMENT_LENGTH = 4_000
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": None, "named": None}


def bulk_insert(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Inserts `rows` (tuples in the order of `columns`) into `table`: COPY on PostgreSQL,
    multi-row VALUES statements elsewhere (SQLite)."""
    if not rows:
        return
    rows = _processed(connection, table, columns, rows)
    preparer = connection.dialect.identifier_preparer
    if connection.dialect.driver == "psycopg":
        # PostgreSQL's own bulk path: COPY streams the rows; a multi-row INSERT would be parsed
        # again on every execute (psycopg caches only statements of up to 50 parameters).
        _copy(connection, preparer.format_table(table), columns, rows)
        return
    mark = placeholder(connection)
    head = f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)}) VALUES "
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    per_statement = max(1, min(_ROWS_PER_STATEMENT, (_MAX_STATEMENT_LENGTH - len(head)) // (len(one) + 2)))
    full = head + ", ".join([one] * per_statement)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for start in range(0, len(rows), per_statement):
            part = rows[start:start + per_statement]
            statement = full if len(part) == per_statement else head + ", ".join([one] * len(part))
            cursor.execute(statement, list(chain.from_iterable(part)))
    finally:
        cursor.close()


def bulk_update(connection: Connection, table: Table, key_columns: Sequence[str], value_columns: Sequence[str],
                rows: Sequence[tuple]) -> None:
    """Sets `value_columns` of the rows found by `key_columns`; `rows` are tuples of the values
    then the keys."""
    if not rows:
        return
    rows = _processed(connection, table, [*value_columns, *key_columns], rows)
    preparer = connection.dialect.identifier_preparer
    if connection.dialect.driver == "psycopg":
        # An UPDATE per row costs a round trip each, even pipelined (measured: 50,000 rows in
        # 1.8 s); COPY into a scratch table and one UPDATE ... FROM costs a tenth of that.
        _update_through_copy(connection, table, key_columns, value_columns, rows)
        return
    mark = placeholder(connection)
    statement = (
        f"UPDATE {preparer.format_table(table)} SET "
        + ", ".join(f"{preparer.quote(c)} = {mark}" for c in value_columns)
        + " WHERE " + " AND ".join(f"{preparer.quote(c)} = {mark}" for c in key_columns)
    )
    connection.exec_driver_sql(statement, list(rows))


def _processed(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> Sequence[tuple]:
    """`rows` with each value as the column's type binds it (unchanged when no column converts)."""
    steps = _bind_steps(connection.dialect, table, tuple(columns))
    if not steps:
        return rows
    processed = []
    for row in rows:
        row = list(row)
        for i, process in steps:
            row[i] = process(row[i])
        processed.append(tuple(row))
    return processed


def _copy(connection: Connection, table_name: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in columns)
    cursor = connection.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY {table_name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _update_through_copy(connection: Connection, table: Table, key_columns: Sequence[str],
                         value_columns: Sequence[str], rows: Sequence[tuple]) -> None:
    preparer = connection.dialect.identifier_preparer
    target = preparer.format_table(table)
    scratch = preparer.quote(f"bulk_update_{table.name}")
    columns = [*value_columns, *key_columns]
    listed = ", ".join(preparer.quote(c) for c in columns)
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {scratch} AS SELECT {listed} FROM {target} WITH NO DATA")
    _copy(connection, scratch, columns, rows)
    connection.exec_driver_sql(
        f"UPDATE {target} SET " + ", ".join(f"{preparer.quote(c)} = s.{preparer.quote(c)}" for c in value_columns)
        + f" FROM {scratch} AS s WHERE "
        + " AND ".join(f"{target}.{preparer.quote(c)} = s.{preparer.quote(c)}" for c in key_columns)
    )
    # (on a failure the transaction's rollback takes the scratch table away with it)
    connection.exec_driver_sql(f"DROP TABLE {scratch}")


@functools.lru_cache(maxsize=256)
def _bind_steps(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> list[tuple[int, Callable]]:
    """(position, processor) of the columns whose type converts values as it binds them."""
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    return [(i, process) for i, process in enumerate(processors) if process is not None]


def placeholder(connection: Connection) -> str:
    """The driver's positional parameter marker ("?" or "%s")."""
    mark = _PLACEHOLDERS.get(connection.dialect.paramstyle)
    if mark is None:
        raise NotImplementedError(f"bulk writes need a qmark or format driver, not {connection.dialect.paramstyle}")
    return mark
