"""The demo's local data (kept in the database, not on chain): reserve norms of the demo hospitals
and pharmacy, and supplier price quotes, chosen so that planning shows every case on the demo
chain. Run after `ape run seed` and `ape run index`:

    python -m dapp.demo.local_data [--database URL]

What it gives, with the seeded stock:
- ГКБ № 1: metformin 130 units against a norm of 200 (below the 97 % rule: a request, priced
  by the market-price method from 3 quotes and the completed metformin tender, CV about 3 %);
  insulin glargine 0 against an emergency reserve of 10 (its delivery was rejected: a request
  with only 2 quotes, so no price); syringes well above their norm.
- РКБ: insulin aspart 29 against an emergency reserve of 30 (1 quote: no price); paracetamol
  whose only batch has expired (no usable stock, no quote); immunoglobulin above its norm.
- Аптека № 12: amoxicillin 39 against a norm of 60, with quotes too far apart (CV about 48 %);
  metformin above its norm.

Idempotent: norms and quotes already there (a quote by GTIN and supplier) are left as they are.
Organizations are found by the CID of the metadata document the seed registered them with.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, insert, select

from dapp.demo import world as demo
from dapp.documents.cid import raw_cid
from dapp.cli.database import index_now, local_day
from dapp.records.models import Organization, PriceQuote, Product, ReserveNorm
from dapp.errors import PlatformError
from dapp.i18n import _

RUBLE = 100


@dataclass(frozen=True)
class DemoNorm:
    organization: str  # demo.Organization.key
    gtin: str
    minimum_balance: int
    emergency_reserve: int
    lead_time_days: int


@dataclass(frozen=True)
class DemoQuote:
    gtin: str
    supplier: str  # demo.Organization.key
    unit_price: int  # kopecks
    days_ago: int


NORMS = (
    DemoNorm("gkb1", demo.METFORMIN, 200, 50, 30),
    DemoNorm("gkb1", demo.INSULIN_GLARGINE, 20, 10, 21),
    DemoNorm("gkb1", demo.SYRINGE, 150, 50, 14),
    DemoNorm("rkb", demo.INSULIN_ASPART, 40, 30, 21),
    DemoNorm("rkb", demo.PARACETAMOL, 100, 20, 14),
    DemoNorm("rkb", demo.IMMUNOGLOBULIN, 15, 5, 30),
    DemoNorm("pharmacy12", demo.METFORMIN, 40, 10, 7),
    DemoNorm("pharmacy12", demo.AMOXICILLIN, 60, 10, 14),
)

QUOTES = (
    # Close together: with the completed tender's 290.00, a price can be set.
    DemoQuote(demo.METFORMIN, "centrpharm", 305_00, 30),
    DemoQuote(demo.METFORMIN, "sibmed", 298_50, 20),
    DemoQuote(demo.METFORMIN, "medtechimport", 312_00, 10),
    # Too far apart: coefficient of variation over 33 %.
    DemoQuote(demo.AMOXICILLIN, "centrpharm", 85_00, 25),
    DemoQuote(demo.AMOXICILLIN, "sibmed", 160_00, 15),
    DemoQuote(demo.AMOXICILLIN, "medtechimport", 240_00, 5),
    # Too few: fewer than 3 sources.
    DemoQuote(demo.INSULIN_GLARGINE, "centrpharm", 2_450_00, 12),
    DemoQuote(demo.INSULIN_GLARGINE, "sibmed", 2_600_00, 8),
    DemoQuote(demo.INSULIN_ASPART, "sibmed", 1_890_00, 6),
)


class LocalDemoError(PlatformError):
    """The demo's local data cannot be written; the message says what to run first."""


def metadata_cid(organization: demo.Organization) -> str:
    """The CID the seed registered `organization`'s metadata under (dapp.demo.seeding)."""
    return raw_cid(json.dumps(organization.metadata(), ensure_ascii=False, sort_keys=True).encode())


def demo_addresses(engine: Engine) -> dict[str, str]:
    """Demo organization key -> address, for the demo organizations the index holds."""
    wanted = {metadata_cid(organization): organization.key for organization in demo.ORGANIZATIONS}
    with engine.connect() as connection:
        rows = connection.execute(select(Organization.address, Organization.metadata_cid)
                                  .where(Organization.metadata_cid.in_(wanted))).all()
    return {wanted[cid]: address for address, cid in rows}


def seed_local_demo(engine: Engine) -> tuple[int, int]:
    """Write the demo norms and quotes that are missing; returns (norms added, quotes added)."""
    addresses = demo_addresses(engine)
    needed = {norm.organization for norm in NORMS}
    missing = sorted(needed - addresses.keys())
    with engine.connect() as connection:
        products = set(connection.execute(select(Product.gtin)).scalars())
    if missing or not {norm.gtin for norm in NORMS} <= products:
        database = engine.url.render_as_string(hide_password=True)
        if missing:
            raise LocalDemoError(_("the demo organizations and products are not in the database {database} (missing: "
                                   "{missing}): run `ape run seed` and `ape run index` first").format(
                database=database, missing=", ".join(missing)))
        raise LocalDemoError(_("the demo organizations and products are not in the database {database}: run `ape run "
                               "seed` and `ape run index` first").format(database=database))
    today = local_day(index_now(engine))
    names = {organization.key: organization.name for organization in demo.ORGANIZATIONS}
    norms_added = quotes_added = 0
    with engine.begin() as connection:
        norms = {tuple(row) for row in connection.execute(select(ReserveNorm.organization, ReserveNorm.gtin))}
        for norm in NORMS:
            address = addresses[norm.organization]
            if (address, norm.gtin) in norms:
                continue
            connection.execute(insert(ReserveNorm).values(
                organization=address, gtin=norm.gtin, minimum_balance=norm.minimum_balance,
                emergency_reserve=norm.emergency_reserve, lead_time_days=norm.lead_time_days))
            norms_added += 1
        quotes = {tuple(row) for row in connection.execute(select(PriceQuote.gtin, PriceQuote.supplier))}
        for quote in QUOTES:
            if (quote.gtin, names[quote.supplier]) in quotes:
                continue
            connection.execute(insert(PriceQuote).values(
                gtin=quote.gtin, supplier=names[quote.supplier], unit_price=quote.unit_price,
                quoted_on=today - timedelta(days=quote.days_ago)))
            quotes_added += 1
    return norms_added, quotes_added


def main(argv: list[str] | None = None) -> int:
    from dapp.records.engine import open_database

    parser = argparse.ArgumentParser(description="Write the demo's reserve norms and price quotes into the database.")
    parser.add_argument("--database", default=None, metavar="URL",
                        help="SQLAlchemy URL (default: MEDCHAIN_DATABASE_URL, else data/platform.db)")
    arguments = parser.parse_args(argv)
    try:
        norms, quotes = seed_local_demo(open_database(arguments.database))
    except PlatformError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print(f"Local demo data: {norms} reserve norms and {quotes} price quotes added "
          f"({len(NORMS) - norms} and {len(QUOTES) - quotes} already there).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
