"""Label files for the demo: one pack per verdict, and a sheet per batch to print."""

from __future__ import annotations

from pathlib import Path

from dapp.demo import world as demo
from dapp.codes.gs1 import digital_link, resolver_base
from dapp.codes.labels import Label, label_png, label_sheet_pdf
from dapp.paths import data_dir

SHEET_UNITS = 15  # one A4 page of labels per batch


def labels_dir() -> Path:
    return data_dir() / "labels"


def unit_label(product: demo.Product | None, gtin: str, lot: str, serial: str, expires: str = "") -> Label:
    """A pack's label: its Digital Link in the code, what a person reads under it."""
    lines = [product.name if product else "", f"GTIN {gtin}  LOT {lot}", f"SN {serial}"]
    if expires:
        lines.append(f"EXP {expires}")
    return Label(uri=digital_link(gtin, serial, lot), lines=[line for line in lines if line])


def demo_code_serial(code: demo.DemoCode) -> str:
    return code.serial or demo.batch_serials(code.gtin, code.lot)[code.serial_index]


def write_demo_labels(folder: Path | None = None) -> Path:
    """Write `<case>.png` for every demo verdict and `sheets/<gtin>-<lot>.pdf` per batch."""
    folder = folder or labels_dir()
    (folder / "sheets").mkdir(parents=True, exist_ok=True)
    # The labels' links name the resolver they were made for: made again for another one.
    stamp = folder / "resolver.txt"
    if stamp.exists() and stamp.read_text().strip() != resolver_base():
        for old in [*folder.glob("*.png"), *(folder / "sheets").glob("*.pdf")]:
            old.unlink()
    products = {p.gtin: p for p in demo.PRODUCTS}
    for code in demo.DEMO_CODES:
        path = folder / f"{code.case}.png"
        if not path.exists():
            label = unit_label(products.get(code.gtin), code.gtin, code.lot, demo_code_serial(code))
            path.write_bytes(label_png(label))
    for product in demo.PRODUCTS:
        for batch in product.batches:
            path = folder / "sheets" / f"{product.gtin}-{batch.lot}.pdf"
            if not path.exists():
                serials = demo.serials(product.gtin, batch.lot, batch.quantity)[:SHEET_UNITS]
                path.write_bytes(label_sheet_pdf([unit_label(product, product.gtin, batch.lot, s) for s in serials]))
    stamp.write_text(resolver_base() + "\n")
    return folder


if __name__ == "__main__":  # `make run`: the labels, for the resolver it serves
    print(write_demo_labels())
