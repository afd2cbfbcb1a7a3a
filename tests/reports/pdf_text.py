"""The text of a PDF that fpdf2 wrote, without a PDF library: each font's ToUnicode map applied
to the strings its content streams show. Enough to check what a report prints (fpdf2's own
output only: uncompressed maps, literal strings, `Tj`)."""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(?m)^(\d+) 0 obj\s(.*?)\sendobj", re.DOTALL)
_STRING_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def pdf_text(data: bytes) -> str:
    objects = {int(number): body for number, body in _OBJECT.findall(data)}
    maps = {}  # font object number -> {glyph id: text}
    for number, body in objects.items():
        unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if unicode_ref:
            cmap = _stream(objects[int(unicode_ref.group(1))]).decode("latin-1")
            maps[number] = {int(glyph, 16): chr(int(code, 16))
                            for glyph, code in re.findall(r"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4,})>", cmap)}
    pages = []
    for body in objects.values():
        if not re.search(rb"/Type /Page\b", body):  # a page, not the /Pages tree
            continue
        resources = objects[int(re.search(rb"/Resources (\d+) 0 R", body).group(1))]
        fonts = {name: maps.get(int(ref), {}) for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", resources)}
        content = _stream(objects[int(re.search(rb"/Contents (\d+) 0 R", body).group(1))])
        pages.append(_show(content, fonts))
    return "\n".join(pages)


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream")
    length = int(re.search(rb"/Length (\d+)", head).group(1))
    raw = rest[2:2 + length] if rest.startswith(b"\r\n") else rest[1:1 + length]
    return zlib.decompress(raw) if b"/FlateDecode" in head else raw


def _show(content: bytes, fonts: dict) -> str:
    lines, font = [], {}
    for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.DOTALL):
        if match.group(1):
            font = fonts.get(match.group(1), {})
            continue
        raw = _unescape(match.group(2))
        lines.append("".join(font.get(int.from_bytes(raw[i:i + 2], "big"), "?") for i in range(0, len(raw), 2)))
    return "\n".join(lines)


def _unescape(text: bytes) -> bytes:
    def replace(match):
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _STRING_ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", replace, text, flags=re.DOTALL)
