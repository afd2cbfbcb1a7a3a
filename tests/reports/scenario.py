"""Hand-built database scenarios for the inventory, report and planning tests: rows inserted
straight into the tables the indexer fills, with the figures chosen by the test."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert

from dapp.records.models import Batch, Movement, PriceQuote, Product, ReserveNorm, Tender

DAY = 24 * 60 * 60
HOSPITAL = "0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c"
OTHER_HOSPITAL = "0x71C7656EC7ab88b098defB751B7401B5f6d8976F"
MANUFACTURER = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
ZERO_HASH = "0x" + "00" * 32


def utc(*parts) -> int:
    """Unix seconds of a UTC date and time: utc(2026, 1, 10, 12)."""
    return int(datetime(*parts, tzinfo=UTC).timestamp())


class Scenario:
    """Inserts products, batches, movements, norms, quotes and tenders; every movement gets a
    distinct chain position, as the indexer's would."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._positions = itertools.count(1)

    def product(self, gtin: str, name: str = "Метформин (Metformin)") -> str:
        with self.engine.begin() as connection:
            connection.execute(insert(Product), [{
                "gtin": gtin, "manufacturer": MANUFACTURER, "category": 1, "name": name, "dosage_form": "tablets",
                "registered_at": utc(2025, 1, 1)}])
        return gtin

    def batch(self, gtin: str, lot: str, expires: int, status: str = "active", quantity: int = 1000) -> str:
        batch_id = "0x" + f"{gtin}{lot}".encode().hex().ljust(64, "0")[:64]
        with self.engine.begin() as connection:
            connection.execute(insert(Batch), [{
                "batch_id": batch_id, "gtin": gtin, "manufacturer": MANUFACTURER, "lot": lot,
                "manufactured": utc(2025, 1, 1), "expires": expires, "quantity": quantity, "serials_root": ZERO_HASH,
                "status": status, "commissioned_at": utc(2025, 1, 2)}])
        return batch_id

    def move(self, organization: str, gtin: str, batch_id: str, kind: str, quantity: int, timestamp: int) -> None:
        """One movement; `quantity` signed as the indexer stores it (out is negative)."""
        position = next(self._positions)
        with self.engine.begin() as connection:
            connection.execute(insert(Movement), [{
                "block_number": position, "log_index": 0, "timestamp": timestamp, "organization": organization,
                "gtin": gtin, "batch_id": batch_id, "kind": kind, "quantity": quantity}])

    def norm(self, organization: str, gtin: str, minimum_balance: int, emergency_reserve: int = 0,
             lead_time_days: int = 30) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(ReserveNorm), [{
                "organization": organization, "gtin": gtin, "minimum_balance": minimum_balance,
                "emergency_reserve": emergency_reserve, "lead_time_days": lead_time_days}])

    def quote(self, gtin: str, unit_price: int, quoted_on: date, supplier: str = "ООО Фарма") -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(PriceQuote), [{
                "gtin": gtin, "supplier": supplier, "unit_price": unit_price, "quoted_on": quoted_on}])

    def tender(self, tender_id: int, gtin: str, quantity: int, price: int | None, status: str, awarded_at: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(Tender), [{
                "tender_id": tender_id, "hospital": OTHER_HOSPITAL, "gtin": gtin, "quantity": quantity,
                "max_price": (price or 0) * 2 or 1, "bid_deadline": awarded_at - 5 * DAY,
                "reveal_deadline": awarded_at - DAY, "delivery_deadline": awarded_at + 30 * DAY, "status": status,
                "created_at": awarded_at - 10 * DAY, "price": price, "awarded_at": awarded_at}])
