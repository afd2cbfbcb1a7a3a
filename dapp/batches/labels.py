"""A batch's label sheet: an A4 PDF of QR labels (GS1 Digital Link with lot and expiry) for a
range of the batch's serials."""

from __future__ import annotations

from datetime import UTC, datetime

from dapp.codes.gs1 import digital_link, parse_gtin
from dapp.codes.labels import Label, label_sheet_pdf
from dapp.errors import PlatformError
from dapp.i18n import _

MAX_LABELS = 300  # one sheet download: 20 pages of 15 labels


def unit_label(name: str, gtin14: str, lot: str, serial: str, expires: int | None) -> Label:
    expiry = datetime.fromtimestamp(expires, UTC).date() if expires else None
    lines = [name, f"GTIN {gtin14}  LOT {lot}", f"SN {serial}"]
    if expiry:
        lines.append(f"EXP {expiry.isoformat()}")
    return Label(uri=digital_link(gtin14, serial, lot, expiry), lines=[line for line in lines if line])


def batch_sheet_pdf(name: str, gtin, lot: str, expires: int | None, serials: list[str], first: int = 1,
                    count: int = 15) -> bytes:
    """Labels of serials number `first` .. `first + count - 1` (from 1) of the batch's list."""
    gtin14 = parse_gtin(gtin)
    if not 1 <= count <= MAX_LABELS:
        raise PlatformError(_("a label sheet holds 1 to {limit} labels").format(limit=MAX_LABELS))
    chosen = serials[first - 1: first - 1 + count] if first >= 1 else []
    if not chosen:
        raise PlatformError(_("the batch has {count} serials: there is no serial number {first}").format(
            count=len(serials), first=first))
    return label_sheet_pdf([unit_label(name, gtin14, lot, serial, expires) for serial in chosen])
