"""QR label sheets for a batch or a shipment: PNG pages, an A4 PDF, or one label.

Each label is a QR code holding a GS1 Digital Link URI (built by the caller) with
human-readable lines under it: product name, GTIN, lot, serial, expiry. Everything is
drawn at 300 dpi: a QR module is 8 px (0.68 mm, inside GS1's range for healthcare
packs), with error correction M (segno raises it to Q when that costs no extra size)
and the standard 4-module quiet zone. Text is set in DejaVu Sans, which covers Cyrillic;
Debian's ``fonts-dejavu-core`` provides it (tools/setup.sh installs it).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from dapp.errors import PlatformError
from dapp.i18n import _

DPI = 300
A4_PX = (2480, 3508)  # 210 x 297 mm at 300 dpi
PAGE_MARGIN_PX = 118  # 10 mm
MODULE_PX = 8
QUIET_ZONE_MODULES = 4
ERROR_CORRECTION = "m"
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_PX = 32  # about 7.7 pt at 300 dpi
CELL_PADDING_PX = 24
TEXT_GAP_PX = 6
SINGLE_LABEL_MIN_WIDTH_PX = 700


@dataclass
class Label:
    """One label: `uri` goes into the QR code, `lines` are printed under it."""

    uri: str
    lines: list[str] = field(default_factory=list)


def label_png(label: Label) -> bytes:
    """One label as a PNG at 300 dpi: the code with its text under it."""
    code = _code_image(label)
    width = max(code.width, SINGLE_LABEL_MIN_WIDTH_PX) + 2 * CELL_PADDING_PX
    lines = _wrap_lines(label.lines, width - 2 * CELL_PADDING_PX)
    image = Image.new("L", (width, _cell_height(code.height, len(lines))), 255)
    _draw_label(image, (0, 0), width, code, lines)
    return _png(image)


def label_sheet_png(labels: list[Label], columns: int = 3) -> list[bytes]:
    """A4 pages (300 dpi PNG, one per page) holding `labels` in a grid of `columns`."""
    return [_png(page) for page in _pages(labels, columns)]


def label_sheet_pdf(labels: list[Label], columns: int = 3) -> bytes:
    """A multi-page A4 PDF (300 dpi) holding `labels` in a grid of `columns`."""
    # Bilevel pages: Pillow stores them losslessly (CCITT G4) and small, so the codes
    # print with sharp edges instead of JPEG's blur.
    pages = [page.point(lambda v: 255 if v >= 128 else 0).convert("1") for page in _pages(labels, columns)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, title="MedChain labels")
    return out.getvalue()


def _pages(labels: list[Label], columns: int) -> list[Image.Image]:
    if not labels:
        raise PlatformError(_("no labels to print: the list of labels is empty"))
    if not 1 <= columns <= 8:
        raise PlatformError(_("a label sheet has 1 to 8 columns, not {columns}").format(columns=columns))
    page_width, page_height = A4_PX
    cell_width = (page_width - 2 * PAGE_MARGIN_PX) // columns
    codes = [_code_image(label) for label in labels]
    widest = max(code.width for code in codes)
    if widest + 2 * CELL_PADDING_PX > cell_width:
        raise PlatformError(
            _("the codes are {widest} px wide and do not fit {columns} columns of {cell_width} px; use "
              "fewer columns or shorter URIs").format(widest=widest, columns=columns, cell_width=cell_width)
        )
    texts = [_wrap_lines(label.lines, cell_width - 2 * CELL_PADDING_PX) for label in labels]
    cell_height = _cell_height(max(code.height for code in codes), max(len(lines) for lines in texts))
    rows = (page_height - 2 * PAGE_MARGIN_PX) // cell_height
    if rows < 1:
        raise PlatformError(_("a label's text is too long to fit on an A4 page; shorten its lines"))
    per_page = rows * columns
    pages = []
    for start in range(0, len(labels), per_page):
        page = Image.new("L", A4_PX, 255)
        for i, (code, lines) in enumerate(zip(codes[start : start + per_page], texts[start : start + per_page])):
            row, column = divmod(i, columns)
            origin = (PAGE_MARGIN_PX + column * cell_width, PAGE_MARGIN_PX + row * cell_height)
            _draw_label(page, origin, cell_width, code, lines)
            _draw_cut_marks(page, origin, (cell_width, cell_height))
        pages.append(page)
    return pages


def _code_image(label: Label) -> Image.Image:
    """The QR code of `label.uri`, quiet zone included, MODULE_PX pixels a module."""
    if not isinstance(label.uri, str) or not label.uri.strip():
        raise PlatformError(_("a label needs the URI to put in its code, got {uri!r}").format(uri=label.uri))
    try:
        code = segno.make_qr(label.uri, error=ERROR_CORRECTION)
    except segno.DataOverflowError as err:
        raise PlatformError(_("the URI is too long for a QR code ({uri} characters): {err}").format(uri=len(label.uri), err=err)) from err
    modules = np.array(code.matrix, dtype=np.uint8)
    modules = np.pad(modules, QUIET_ZONE_MODULES)
    pixels = np.kron(np.where(modules, 0, 255).astype(np.uint8), np.ones((MODULE_PX, MODULE_PX), np.uint8))
    return Image.fromarray(pixels, "L")


def _cell_height(code_height: int, line_count: int) -> int:
    return code_height + TEXT_GAP_PX + line_count * _line_height() + CELL_PADDING_PX


def _draw_label(image: Image.Image, origin: tuple[int, int], width: int, code: Image.Image, lines: list[str]) -> None:
    x0, y0 = origin
    image.paste(code, (x0 + (width - code.width) // 2, y0 + CELL_PADDING_PX // 2))
    draw = ImageDraw.Draw(image)
    font = _font()
    y = y0 + CELL_PADDING_PX // 2 + code.height + TEXT_GAP_PX
    for line in lines:
        draw.text((x0 + width // 2, y), line, fill=0, font=font, anchor="ma")
        y += _line_height()


def _draw_cut_marks(image: Image.Image, origin: tuple[int, int], size: tuple[int, int]) -> None:
    """Short light-grey corner marks showing where to cut, outside the codes' quiet zones."""
    draw = ImageDraw.Draw(image)
    (x0, y0), (w, h) = origin, size
    mark = 16
    for x, dx in ((x0, mark), (x0 + w - 1, -mark)):
        for y, dy in ((y0, mark), (y0 + h - 1, -mark)):
            draw.line([(x, y), (x + dx, y)], fill=180, width=2)
            draw.line([(x, y), (x, y + dy)], fill=180, width=2)


def _wrap_lines(lines: list[str], width: int) -> list[str]:
    """`lines` wrapped at spaces (or inside a word longer than the width) to fit `width` px."""
    font = _font()
    wrapped: list[str] = []
    for line in lines:
        current = ""
        for word in str(line).split():
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= width:
                current = candidate
                continue
            if current:
                wrapped.append(current)
            current = ""
            for char in word:
                if current and font.getlength(current + char) > width:
                    wrapped.append(current)
                    current = ""
                current += char
        wrapped.append(current)
    return wrapped


def _line_height() -> int:
    ascent, descent = _font().getmetrics()
    return ascent + descent + 4


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT_PATH.exists():
        return ImageFont.truetype(str(FONT_PATH), FONT_PX)
    warnings.warn(
        f"{FONT_PATH} is missing: labels fall back to Pillow's default font, which has no Cyrillic "
        "(install Debian's fonts-dejavu-core, as tools/setup.sh does)",
        stacklevel=2,
    )
    return ImageFont.load_default(FONT_PX)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()
