"""The live scanner's decoder, served by the dApp's own server: zxing-cpp compiled to
WebAssembly (npm `zxing-wasm`, installed by `tools/setup.sh` into `node_modules/`).

Its loader would fetch the `.wasm` from a CDN by default; the scanner points it here instead,
so a phone on a hospital's network needs nothing but this server. Only the three files the
reader needs are served (an allow-list, never a path from the request), each with its type
and a long cache life (the version is in the URL: a new release is a new URL).

    /scanner/zxing-wasm/<version>/es/reader/index.js   the ES module (readBarcodes, prepareZXingModule)
    /scanner/zxing-wasm/<version>/es/share.js          the chunk it imports
    /scanner/zxing-wasm/<version>/reader/zxing_reader.wasm
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from dapp.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "node_modules" / "zxing-wasm"
PREFIX = "/scanner/zxing-wasm"
FILES = {
    "es/reader/index.js": "text/javascript; charset=utf-8",
    "es/share.js": "text/javascript; charset=utf-8",
    "reader/zxing_reader.wasm": "application/wasm",
}
MODULE = "es/reader/index.js"
WASM = "reader/zxing_reader.wasm"
CACHED = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}


@cache
def decoder_version() -> str | None:
    """The installed zxing-wasm's version, or None when it is not installed."""
    try:
        return str(json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def decoder_urls() -> dict[str, str] | None:
    """Where the page finds the decoder's module and its WebAssembly (None when not installed)."""
    version = decoder_version()
    if version is None or not all((PACKAGE / "dist" / name).is_file() for name in FILES):
        return None
    return {"module": f"{PREFIX}/{version}/{MODULE}", "wasm": f"{PREFIX}/{version}/{WASM}"}


def scanner_routes() -> list[BaseRoute]:
    return [Route(PREFIX + "/{version}/{name:path}", decoder_file, methods=["GET", "HEAD"])]


async def decoder_file(request: Request) -> Response:
    version, name = request.path_params["version"], request.path_params["name"]
    if name not in FILES:
        return PlainTextResponse("Not a file of the scanner's decoder.", status_code=404)
    if version != decoder_version():
        return PlainTextResponse(
            f"The scanner's decoder here is zxing-wasm {decoder_version() or '(not installed)'}, not {version}: "
            "reload the page.", status_code=404)
    path = PACKAGE / "dist" / name
    if not path.is_file():
        return PlainTextResponse("The scanner's decoder is not installed on this server (tools/setup.sh installs it).",
                                 status_code=404)
    return FileResponse(path, media_type=FILES[name], headers=CACHED)
