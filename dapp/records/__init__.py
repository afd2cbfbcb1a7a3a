"""The platform's database (SQLite, or PostgreSQL in real deployments): its schema and
migrations, and the indexer that keeps it up to date from the contracts' events. It is a cache:
everything in it can be rebuilt from the chain.
"""


from dapp.records.engine import DatabaseUnreachable, database_url, open_database
from dapp.records.indexer import Indexer, IndexerError

__all__ = ["DatabaseUnreachable", "Indexer", "IndexerError", "database_url", "open_database"]
