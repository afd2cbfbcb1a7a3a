"""Bulk writes straight through the database driver, with the placeholder
style of whichever driver the engine uses, so one code path serves SQLite and PostgreSQL.

SQLAlchemy's `insert()` with a list of rows spends most of its time building each row's
parameters; the indexer writes tens of thousands of rows a second and cannot afford it. Only
for columns whose values need no conversion (ints, strings): the types' own bind processing
(`Uint256`, dates) is skipped here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table

_ROWS_PER_STATEMENT = 500
_MAX_STATEMENT_LENGTH = 4_000
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": None, "named": None}


def bulk_insert(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Inserts `rows` (tuples in the order of `columns`) into `table`: COPY on PostgreSQL,
    multi-row VALUES statements elsewhere (SQLite)."""
    if not rows:
        return
    preparer = connection.dialect.identifier_preparer
    if connection.dialect.driver == "psycopg":
        # PostgreSQL's own bulk path: COPY streams the rows; a multi-row INSERT would be parsed
        # again on every execute (psycopg caches only statements of up to 50 parameters).
        names = ", ".join(preparer.quote(c) for c in columns)
        cursor = connection.connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY {preparer.format_table(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholder = _placeholder(connection)
    head = f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)}) VALUES "
    one = "(" + ", ".join([placeholder] * len(columns)) + ")"
    per_statement = max(1, min(_ROWS_PER_STATEMENT, (_MAX_STATEMENT_LENGTH - len(head)) // (len(one) + 2)))
    full = head + ", ".join([one] * per_statement)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for start in range(0, len(rows), per_statement):
            part = rows[start:start + per_statement]
            statement = full if len(part) == per_statement else head + ", ".join([one] * len(part))
            cursor.execute(statement, [value for row in part for value in row])
    finally:
        cursor.close()


def bulk_update(connection: Connection, table: Table, key_columns: Sequence[str], value_columns: Sequence[str],
                rows: Sequence[tuple]) -> None:
    """Sets `value_columns` of the rows found by `key_columns`; `rows` are tuples of the values
    then the keys."""
    if not rows:
        return
    placeholder = _placeholder(connection)
    preparer = connection.dialect.identifier_preparer
    statement = (
        f"UPDATE {preparer.format_table(table)} SET "
        + ", ".join(f"{preparer.quote(c)} = {placeholder}" for c in value_columns)
        + " WHERE " + " AND ".join(f"{preparer.quote(c)} = {placeholder}" for c in key_columns)
    )
    connection.exec_driver_sql(statement, list(rows))


def _placeholder(connection: Connection) -> str:
    placeholder = _PLACEHOLDERS.get(connection.dialect.paramstyle)
    if placeholder is None:
        raise NotImplementedError(f"bulk writes need a qmark or format driver, not {connection.dialect.paramstyle}")
    return placeholder
