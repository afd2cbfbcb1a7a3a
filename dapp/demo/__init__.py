"""The demo world (organizations, products, batches, custody, tenders) and writing it onto
a local chain and into the local database, idempotently.
"""

