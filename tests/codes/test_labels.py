import io
import re
import struct

import pytest
from PIL import Image

from dapp.errors import PlatformError
from dapp.codes.labels import A4_PX, Label, label_png, label_sheet_pdf, label_sheet_png
from dapp.codes.qr import decode_codes
from dapp.codes.gs1 import complete_gtin, digital_link

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def unit_labels(count: int) -> list[Label]:
    """`count` labels of one batch, a serial each, with Cyrillic text as printed in Russia."""
    gtin = complete_gtin("0460700112001")
    return [
        Label(
            digital_link(gtin, f"4iiWB3e{n:06d}", "MF2406", "270131"),
            ["Амоксициллин 500 мг, капсулы №16", f"GTIN {gtin}", "Серия MF2406  годен до 31.01.2027", f"SN 4iiWB3e{n:06d}"],
        )
        for n in range(count)
    ]


def test_label_png__a_300_dpi_png__its_code_decodes_to_its_uri():
    label = unit_labels(1)[0]
    png = label_png(label)
    assert png.startswith(PNG_MAGIC)
    assert Image.open(io.BytesIO(png)).info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert [code.text for code in decode_codes(png)] == [label.uri]


def test_label_sheet_png__a4_pages_of_15__every_code_decodes_to_its_uri():
    labels = unit_labels(40)
    pages = label_sheet_png(labels, columns=3)
    assert len(pages) == 3  # 3 columns x 5 rows a page
    decoded = []
    for page, page_labels in zip(pages, (labels[:15], labels[15:30], labels[30:])):
        assert page.startswith(PNG_MAGIC)
        assert Image.open(io.BytesIO(page)).size == A4_PX
        codes = decode_codes(page)
        assert sorted(code.text for code in codes) == sorted(label.uri for label in page_labels)
        decoded += codes
    assert len(decoded) == 40


@pytest.mark.parametrize(("columns", "pages"), [(1, 8), (2, 4), (4, 2), (5, 2)])
def test_label_sheet_png__columns__pages(columns, pages):
    assert len(label_sheet_png(unit_labels(40), columns=columns)) == pages


def test_label_sheet_pdf__a4_at_300_dpi__every_code_decodes_to_its_uri():
    labels = unit_labels(20)
    pdf = label_sheet_pdf(labels)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 2
    assert re.findall(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf) == [(b"595.2", b"841.92")] * 2  # A4, points
    pages = pdf_page_images(pdf)
    assert [page.size for page in pages] == [A4_PX, A4_PX]
    decoded = set()
    for page in pages:
        out = io.BytesIO()
        page.save(out, "PNG")
        decoded |= {code.text for code in decode_codes(out.getvalue())}
    assert decoded == {label.uri for label in labels}


def test_label__cyrillic_text__rendered_under_the_code():
    uri = unit_labels(1)[0].uri
    bare = Image.open(io.BytesIO(label_png(Label(uri, []))))
    texts = {text: Image.open(io.BytesIO(label_png(Label(uri, [text])))) for text in ("Ж", "Ф", "\ue000")}
    under = {text: image.crop((0, bare.height, image.width, image.height)) for text, image in texts.items()}
    for text, region in under.items():
        assert region.height > 20
        assert region.getextrema()[0] < 64, f"nothing drawn for {text!r}"
    # Two Cyrillic letters are two different glyphs, neither the font's box for a missing one (U+E000).
    assert under["Ж"].tobytes() != under["Ф"].tobytes()
    assert under["Ж"].tobytes() != under["\ue000"].tobytes()


def test_label__long_text__wrapped_to_the_label_width():
    uri = unit_labels(1)[0].uri
    one_line = Image.open(io.BytesIO(label_png(Label(uri, ["Амоксициллин"]))))
    wrapped = Image.open(io.BytesIO(label_png(Label(uri, ["Амоксициллин тригидрат " * 8]))))
    assert wrapped.width == one_line.width
    assert wrapped.height > one_line.height + 100
    assert [code.text for code in decode_codes(label_png(Label(uri, ["Амоксициллин тригидрат " * 8])))] == [uri]


@pytest.mark.parametrize("make", [label_sheet_png, label_sheet_pdf])
def test_label_sheet__no_labels__refused(make):
    with pytest.raises(PlatformError, match="no labels to print"):
        make([])


@pytest.mark.parametrize("columns", [0, 6, 9])
def test_label_sheet__columns_that_do_not_fit__refused(columns):
    with pytest.raises(PlatformError, match="columns"):
        label_sheet_png(unit_labels(2), columns=columns)


@pytest.mark.parametrize("uri", ["", "   "])
def test_label__no_uri__refused(uri):
    with pytest.raises(PlatformError, match="needs the URI"):
        label_png(Label(uri, ["x"]))


def test_label__uri_too_long_for_a_qr_code__refused():
    with pytest.raises(PlatformError, match="too long for a QR code"):
        label_png(Label("https://id.medchain.example/" + "x" * 3000, []))


def pdf_page_images(pdf: bytes) -> list[Image.Image]:
    """The page images of a Pillow-written PDF: CCITT G4 streams, rewrapped as TIFF files."""
    pattern = rb"/Width (\d+)\s*/Height (\d+)\s*/Filter \[ /CCITTFaxDecode \].*?/Length (\d+)\s*>>\s*stream\n"
    images = []
    for match in re.finditer(pattern, pdf, re.DOTALL):
        width, height, length = map(int, match.groups())
        images.append(Image.open(io.BytesIO(g4_tiff(width, height, pdf[match.end() : match.end() + length]))))
    return images


def g4_tiff(width: int, height: int, data: bytes) -> bytes:
    """A one-strip bilevel TIFF holding CCITT G4 `data` (1 = black, as the PDF says)."""
    entries = [(256, 4, width), (257, 4, height), (258, 3, 1), (259, 3, 4), (262, 3, 0)]
    offset = 8 + 2 + 12 * (len(entries) + 4) + 4
    entries += [(273, 4, offset), (277, 3, 1), (278, 4, height), (279, 4, len(data))]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, value in entries:
        ifd += struct.pack("<HHI", tag, kind, 1) + (struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value))
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + data
