"""How amounts, moments and bytes are written, everywhere the platform shows them."""

from __future__ import annotations

from datetime import datetime, timezone


def moment(timestamp: int) -> str:
    """A chain timestamp as a UTC moment: "2026-01-01 00:00:00 UTC"."""
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def rubles(kopecks: int) -> str:
    """Kopecks as rubles: 1234567 -> "12,345.67 RUB"."""
    sign = "-" if kopecks < 0 else ""
    whole, cents = divmod(abs(int(kopecks)), 100)
    return f"{sign}{whole:,}.{cents:02d} RUB"


def hex_text(value) -> str:
    """Bytes as 0x-prefixed hex; a hex string as itself."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)
