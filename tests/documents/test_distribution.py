"""Documents move between IPFS nodes: what only the operator's node holds, a verifier's node
fetches by CID from it (two js-ipfs nodes on loopback, swarms connected), and a read-only HTTP
gateway (`GatewayStore`) gives it too, every read checked against the CID."""

import http.server
import os
import threading

import pytest

from dapp.documents.cid import file_cid
from dapp.documents.store import (
    DocumentAlteredError,
    DocumentNotFoundError,
    DocumentStoreError,
    DocumentStoreUnreachable,
    FolderStore,
    GatewayStore,
    IpfsStore,
    open_store,
    publish_documents,
)
from tests.fixtures.ipfs import closed_port, ipfs_nodes  # noqa: F401 - a fixture


def test_two_nodes__the_verifiers_fetches_what_only_the_operators_holds(ipfs_nodes):
    data = os.urandom(700_000)  # three chunks: a dag-pb root over raw leaves, every block fetched
    cid = ipfs_nodes.operator().add(data)
    verifier = ipfs_nodes.verifier()
    assert not verifier.has(cid)  # never added there: whatever it gives, it fetched

    assert verifier.get(cid) == data
    assert ipfs_nodes.gateway().get(cid) == data


def test_two_nodes__nowhere__not_found_in_time(ipfs_nodes):
    cid = file_cid(os.urandom(100))  # on no node

    with pytest.raises(DocumentNotFoundError):
        ipfs_nodes.verifier(fetch_timeout=1).get(cid)


def test_publish_documents__a_folder_to_the_operators_node__the_verifier_reads_them(ipfs_nodes, tmp_path):
    folder = FolderStore(tmp_path / "documents")
    cids = [folder.add(os.urandom(size)) for size in (0, 10, 300_000)]
    (tmp_path / "documents" / "notes.txt").write_text("not a document")

    assert publish_documents(folder, ipfs_nodes.operator()) == sorted(cids)
    assert [ipfs_nodes.verifier().get(cid) for cid in sorted(cids)] == [folder.get(cid) for cid in sorted(cids)]


def test_publish_documents__altered_file__refused_before_publishing(tmp_path):
    folder = FolderStore(tmp_path / "documents")
    cid = folder.add(b"genuine")
    (tmp_path / "documents" / cid).write_bytes(b"forged")
    target = FolderStore(tmp_path / "published")

    with pytest.raises(DocumentAlteredError):
        publish_documents(folder, target)
    assert target.cids() == []


# --- the gateway store against a gateway that misbehaves ------------------------------------------


@pytest.fixture
def gateway():
    """Factory: a tiny HTTP gateway answering /ipfs/<cid> with `answers[cid]` = (status, body)."""
    servers = []

    def start(answers: dict[str, tuple[int, bytes]]) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                status, body = answers.get(self.path.removeprefix("/ipfs/"), (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *arguments):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()


def test_gateway_store__genuine_bytes__returned(gateway):
    data = b"quality certificate"
    store = GatewayStore(gateway({file_cid(data): (200, data)}))

    assert store.get(file_cid(data)) == data
    assert store.has(file_cid(data))


def test_gateway_store__altered_bytes__refused(gateway):
    cid = file_cid(b"genuine")
    store = GatewayStore(gateway({cid: (200, b"forged")}))

    with pytest.raises(DocumentAlteredError, match="altered"):
        store.get(cid)
    assert not store.has(cid)


@pytest.mark.parametrize("status", [404, 504, 500])
def test_gateway_store__not_200__not_found_with_the_status(gateway, status):
    cid = file_cid(b"x")
    store = GatewayStore(gateway({cid: (status, b"")}))

    with pytest.raises(DocumentNotFoundError, match=f"HTTP {status}"):
        store.get(cid)


def test_gateway_store__over_the_limit__not_read(gateway):
    data = os.urandom(300_000)
    store = GatewayStore(gateway({file_cid(data): (200, data)}), max_bytes=100_000)

    with pytest.raises(DocumentStoreError, match="over 100000 bytes"):
        store.get(file_cid(data))


def test_gateway_store__nothing_listens__unreachable():
    store = GatewayStore(f"http://127.0.0.1:{closed_port()}", connect_timeout=1)

    with pytest.raises(DocumentStoreUnreachable, match="does not answer"):
        store.get(file_cid(b"x"))


def test_gateway_store__read_only_and_addresses():
    assert GatewayStore("127.0.0.1:8080/").gateway == "http://127.0.0.1:8080"
    with pytest.raises(DocumentStoreError, match="read only"):
        GatewayStore("https://ipfs.example").add(b"x")
    with pytest.raises(DocumentStoreError, match="not an IPFS gateway"):
        GatewayStore("ftp://ipfs.example")


def test_open_store__api_then_gateway_then_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))
    monkeypatch.delenv("MEDCHAIN_IPFS_API", raising=False)
    monkeypatch.delenv("MEDCHAIN_IPFS_GATEWAY", raising=False)
    assert isinstance(open_store(), FolderStore)
    monkeypatch.setenv("MEDCHAIN_IPFS_GATEWAY", "http://127.0.0.1:8080")
    assert isinstance(open_store(), GatewayStore)
    monkeypatch.setenv("MEDCHAIN_IPFS_API", "/ip4/127.0.0.1/tcp/5001/http")
    assert isinstance(open_store(), IpfsStore)
