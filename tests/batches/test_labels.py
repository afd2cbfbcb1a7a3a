"""A batch's label sheet: a PDF of the chosen serials' labels; a range outside the list refused."""

import pytest

from dapp.batches.labels import MAX_LABELS, batch_sheet_pdf, unit_label
from dapp.errors import PlatformError

GTIN = "04607001120018"


def test_sheet__a_pdf():
    assert batch_sheet_pdf("Метформин", GTIN, "L1", 1_790_000_000, ["A1", "A2", "A3"], first=2, count=2).startswith(b"%PDF")


def test_label__digital_link_with_lot_and_expiry_and_lines():
    label = unit_label("Метформин", GTIN, "L/1", "A1", 1_790_000_000)
    assert label.uri.endswith(f"/01/{GTIN}/10/L%2F1/21/A1?17=260921")
    assert label.lines == ["Метформин", f"GTIN {GTIN}  LOT L/1", "SN A1", "EXP 2026-09-21"]


@pytest.mark.parametrize("first, count", [(4, 1), (1, 0), (1, MAX_LABELS + 1)])
def test_sheet__outside_the_list__refused(first, count):
    with pytest.raises(PlatformError):
        batch_sheet_pdf("X", GTIN, "L1", None, ["A1", "A2", "A3"], first=first, count=count)
