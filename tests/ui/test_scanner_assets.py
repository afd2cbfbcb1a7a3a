"""The live scanner's decoder served by the dApp itself (no CDN): the three files of npm
zxing-wasm's reader, by an allow-list, with their types; nothing else from node_modules."""

import asyncio
import json
from pathlib import Path

import pytest
import requests
from starlette.requests import Request

from dapp.ui.components.scanner import assets
from dapp.ui.components.scanner.assets import decoder_file, decoder_urls, decoder_version


class Answer:
    """What `decoder_file` answers a GET of `path` (under /scanner/zxing-wasm/)."""

    def __init__(self, path: str, method: str = "GET"):
        version, _, name = path.lstrip("/").partition("/")
        request = Request({"type": "http", "method": method, "path": f"/scanner/zxing-wasm/{path}", "headers": [],
                           "path_params": {"version": version, "name": name}})
        response = asyncio.run(decoder_file(request))
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = Path(response.path).read_bytes() if hasattr(response, "path") else response.body
        self.text = self.content.decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def decoder_files():
    class Client:
        @staticmethod
        def get(url: str):
            return Answer(url.removeprefix("/scanner/zxing-wasm/"))

    return Client


def test_decoder_urls__the_installed_version__module_and_wasm():
    version = json.loads((assets.PACKAGE / "package.json").read_text())["version"]
    assert decoder_version() == version
    assert decoder_urls() == {"module": f"/scanner/zxing-wasm/{version}/es/reader/index.js",
                              "wasm": f"/scanner/zxing-wasm/{version}/reader/zxing_reader.wasm"}


@pytest.mark.parametrize(("name", "kind"), [
    ("es/reader/index.js", "text/javascript"),
    ("es/share.js", "text/javascript"),
    ("reader/zxing_reader.wasm", "application/wasm"),
])
def test_decoder_file__allowed__served_with_its_type_and_cached(decoder_files, name, kind):
    answer = decoder_files.get(f"/scanner/zxing-wasm/{decoder_version()}/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(kind)
    assert answer.content == (assets.PACKAGE / "dist" / name).read_bytes()
    assert "immutable" in answer.headers["cache-control"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_decoder_file__wasm_is_webassembly(decoder_files):
    answer = decoder_files.get(decoder_urls()["wasm"])
    assert answer.content[:4] == b"\0asm"


def test_decoder_file__from_the_dapp_server__same_bytes(dapp_server):
    """Mounted on the dApp's one port, beside the pages and the resolver."""
    for url in decoder_urls().values():
        answer = requests.get(dapp_server + url, timeout=10)
        assert answer.status_code == 200
        assert answer.content == (assets.PACKAGE / "dist" / url.split("/", 4)[4]).read_bytes()
    assert requests.head(dapp_server + decoder_urls()["wasm"], timeout=10).status_code == 200
    assert requests.get(f"{dapp_server}/scanner/zxing-wasm/{decoder_version()}/package.json", timeout=10).status_code == 404


@pytest.mark.parametrize("name", [
    "package.json",                      # a file of the package, not on the list
    "full/zxing_full.wasm",              # another build
    "../../../package.json",             # out of the package
    "..%2F..%2F..%2Fpackage.json",
    "es/reader/../../../../../pyproject.toml",
    "es/reader/index.js/",
])
def test_decoder_file__not_on_the_list__404(decoder_files, name):
    answer = decoder_files.get(f"/scanner/zxing-wasm/{decoder_version()}/{name}")
    assert answer.status_code == 404
    assert b"[project]" not in answer.content and b"zxing-wasm\"" not in answer.content


def test_decoder_file__another_version__404_says_reload(decoder_files):
    answer = decoder_files.get("/scanner/zxing-wasm/0.0.1/es/reader/index.js")
    assert answer.status_code == 404
    assert f"zxing-wasm {decoder_version()}, not 0.0.1" in answer.text and "reload" in answer.text


def test_decoder_file__not_installed__404_says_how_to_install(decoder_files, monkeypatch, tmp_path):
    monkeypatch.setattr(assets, "PACKAGE", tmp_path / "zxing-wasm")
    answer = decoder_files.get(f"/scanner/zxing-wasm/{decoder_version()}/es/share.js")
    assert answer.status_code == 404 and "tools/setup.sh" in answer.text
    assert decoder_urls() is None  # the page's scanner then says the decoder could not load
