"""Database fixtures: every test here runs on SQLite and on PostgreSQL.

PostgreSQL comes from `MEDCHAIN_TEST_POSTGRES_URL` (the test command starts a throwaway
server with `tools/postgres.sh` when the machine has none). Each test gets a database of its
own, copied from a migrated template, so tests never see each other's rows.
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dapp.db.engine import open_database

POSTGRES_VARIABLE = "MEDCHAIN_TEST_POSTGRES_URL"


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_VARIABLE)
    if not url:
        pytest.fail(
            f"{POSTGRES_VARIABLE} is not set: these tests run on PostgreSQL too. Start a throwaway server with "
            f'`eval "$(tools/postgres.sh start)"` (or run `make test`, which does it)'
        )
    return url


@pytest.fixture(scope="session")
def postgres_template():
    """A migrated database to copy, and an admin engine on the server."""
    server = make_url(_postgres_server_url()).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    template = f"medchain_template_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{template}"'))
    engine = open_database(server.set(database=template).render_as_string(hide_password=False))
    engine.dispose()
    yield admin, server, template
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'platform.db'}"
        open_database(url).dispose()
        yield url
        return
    admin, server, template = request.getfixturevalue("postgres_template")
    name = f"medchain_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def engine(database_url):
    engine = open_database(database_url)
    yield engine
    engine.dispose()
