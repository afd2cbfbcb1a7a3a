"""Opening the database: a SQLite file in the data folder by default, any SQLAlchemy URL
(PostgreSQL in real deployments) through `MEDCHAIN_DATABASE_URL`, brought to the latest schema
by the Alembic migrations in `dapp/records/migrations`."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError

from dapp.errors import PlatformError
from dapp.paths import data_dir
from dapp.i18n import _

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseUnreachable(PlatformError):
    """The database does not answer, or its schema cannot be brought up to date."""


def database_url() -> str:
    """`MEDCHAIN_DATABASE_URL`, else the SQLite file `platform.db` in the data folder."""
    return os.environ.get("MEDCHAIN_DATABASE_URL") or f"sqlite:///{data_dir() / 'platform.db'}"


def open_database(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine on `url` (default: `database_url()`), with the schema migrated to the latest."""
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")  # psycopg 3, not psycopg2
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        raise DatabaseUnreachable(
            _("the database at {url} does not answer ({error}); check MEDCHAIN_DATABASE_URL and that "
              "the server runs").format(url=engine.url.render_as_string(hide_password=True), error=str(error.orig).strip().splitlines()[0])
        ) from None
    if migrate:
        upgrade(engine)
    return engine


def migrations_config(connection: Connection | None = None):
    """Alembic's configuration for our migrations, run on `connection` when one is given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Applies the Alembic migrations up to `revision`."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(migrations_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undoes the Alembic migrations down to `revision` ("base": an empty schema)."""
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(migrations_config(connection), revision)


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the dApp read while the indexer writes; NORMAL sync is safe with WAL (a crash
    # loses at most the last transactions, which the indexer reads again).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-131072")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
