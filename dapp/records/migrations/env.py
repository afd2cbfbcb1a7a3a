"""Alembic's environment: migrations run on the connection `dapp.records.engine.upgrade` hands in,
or on `MEDCHAIN_DATABASE_URL` when run through the `alembic` command."""

from alembic import context
from sqlalchemy import create_engine

from dapp.records.engine import database_url
from dapp.records.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    with create_engine(database_url()).begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
