"""Opening the database and migrating it, on SQLite and on PostgreSQL."""

import socket
import uuid
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, insert, select, text

from dapp.records.engine import (
    DatabaseUnreachable,
    database_url,
    downgrade,
    migrations_config,
    open_database,
    upgrade,
)
from dapp.records.models import Base, PriceQuote

UINT256_MAX = 2**256 - 1
MODEL_TABLES = set(Base.metadata.tables)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """The URL of a database with no tables at all, of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin, server, _template = request.getfixturevalue("postgres_template")
    name = f"medchain_empty_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def head_revision() -> str:
    return ScriptDirectory.from_config(migrations_config()).get_current_head()


def current_revision(engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema(engine) -> dict[str, list[tuple[str, str]]]:
    """Every table with its columns and their types, as the database reports them."""
    inspector = inspect(engine)
    return {
        table: [(column["name"], str(column["type"])) for column in inspector.get_columns(table)]
        for table in sorted(inspector.get_table_names())
    }


def differences(engine) -> list:
    """What autogenerate would write into a new migration to make the database match the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def add_quote(engine, unit_price) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(PriceQuote).values(
                gtin="04600000000017", supplier="Supplier", unit_price=unit_price, quoted_on=date(2026, 1, 15)
            )
        )


def test_open_database__empty_database__creates_every_table_at_head(empty_database_url):
    engine = open_database(empty_database_url)

    assert set(inspect(engine).get_table_names()) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_open_database__second_time__changes_nothing(empty_database_url):
    first = open_database(empty_database_url)
    add_quote(first, 7)
    schema_before = schema(first)
    first.dispose()

    second = open_database(empty_database_url)

    assert schema(second) == schema_before
    assert current_revision(second) == head_revision()
    with second.connect() as connection:
        assert connection.execute(select(PriceQuote.unit_price)).scalars().all() == [7]
    second.dispose()


def test_open_database__postgresql_url__uses_psycopg(postgres_template):
    _admin, server, _template = postgres_template
    plain_url = server.set(drivername="postgresql").render_as_string(hide_password=False)
    assert plain_url.startswith("postgresql://")

    engine = open_database(plain_url, migrate=False)

    assert engine.url.drivername == "postgresql+psycopg"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


def test_database_url__no_variable__is_platform_db_in_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("MEDCHAIN_DATABASE_URL", raising=False)

    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'platform.db'}"
    open_database().dispose()
    assert (tmp_path / "data" / "platform.db").is_file()


def test_database_url__variable_set__is_that_url(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDCHAIN_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")

    assert database_url() == f"sqlite:///{tmp_path / 'elsewhere.db'}"


def test_open_database__postgresql_port_closed__raises_unreachable_naming_host_not_password():
    port = closed_port()

    with pytest.raises(DatabaseUnreachable) as raised:
        open_database(f"postgresql://medchain:pass-w0rd-secret@127.0.0.1:{port}/platform")

    message = str(raised.value)
    assert f"127.0.0.1:{port}" in message
    assert "MEDCHAIN_DATABASE_URL" in message and "server runs" in message  # what to do
    assert "pass-w0rd-secret" not in message
    assert "pass-w0rd-secret" not in repr(raised.value.__cause__) + repr(raised.value.__context__)


def test_migrations__downgrade_to_base_then_upgrade__restores_the_schema(database_url):
    engine = open_database(database_url)
    migrated = schema(engine)

    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(engine) is None

    upgrade(engine)
    assert schema(engine) == migrated
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_migrations__at_head__match_the_models(engine):
    assert differences(engine) == []


def test_uint256__largest_value__round_trips_exactly(engine):
    add_quote(engine, UINT256_MAX)

    with engine.connect() as connection:
        assert connection.execute(select(PriceQuote.unit_price)).scalar_one() == UINT256_MAX


def test_uint256__values_beyond_64_bits__sort_and_compare_as_numbers(engine):
    for price in (10, UINT256_MAX, 9, 2**64, 0):
        add_quote(engine, price)

    with engine.connect() as connection:
        ordered = connection.execute(select(PriceQuote.unit_price).order_by(PriceQuote.unit_price)).scalars().all()
        largest = connection.execute(select(func.max(PriceQuote.unit_price))).scalar_one()
        above = connection.execute(select(PriceQuote.unit_price).where(PriceQuote.unit_price > 2**63)).scalars()
        assert ordered == [0, 9, 10, 2**64, UINT256_MAX]
        assert largest == UINT256_MAX
        assert sorted(above) == [2**64, UINT256_MAX]


def test_migrations__postgresql__shipments_leave_room_for_their_settlement(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL storage parameter")
    with engine.connect() as connection:
        options = connection.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'shipment'")).scalar_one()
    assert options == ["fillfactor=50"]
