"""The document store: the folder store and a real js-ipfs node give the CIDs the node gave
(see document_samples.py) for 0 B to 50 MB; round trips through the node; a node that is down
gives an error that says how to start one; bytes that do not match their CID are refused,
whether a file in the folder was edited or a node answers with other bytes.

The IPFS tests need the node that `eval "$(tools/ipfs.sh start)"` starts (tools/test.sh does
it and hands its address over as MEDCHAIN_TEST_IPFS_API, so that the rest of the suite keeps the
folder store): without that variable they fail and say so.
"""

import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from dapp.documents.cid import InvalidCidError, file_cid
from dapp.documents.store import (
    IPFS_API_VARIABLE,
    DocumentAlteredError,
    DocumentNotFoundError,
    DocumentStoreError,
    DocumentStoreUnreachable,
    FolderStore,
    IpfsStore,
    document_status,
    open_store,
)
from dapp.documents.default_store import load_document, save_document
from tests.documents.samples import CHUNK, ISSUE_SIZES, NODE_CIDS, sample, size_id

NEVER_ADDED = file_cid(b"a document no store was given")
TEST_IPFS_API_VARIABLE = "MEDCHAIN_TEST_IPFS_API"


@pytest.fixture(scope="session")
def ipfs_api():
    """The test node's API address, from MEDCHAIN_TEST_IPFS_API."""
    api = os.environ.get(TEST_IPFS_API_VARIABLE, "").strip()
    if not api:
        pytest.fail(
            f"{TEST_IPFS_API_VARIABLE} is not set: the IPFS tests need a running node. Start js-ipfs with "
            '`eval "$(tools/ipfs.sh start)"; export MEDCHAIN_TEST_IPFS_API=$MEDCHAIN_IPFS_API` '
            "(tools/test.sh does it), run the tests again, then `tools/ipfs.sh stop`",
            pytrace=False,
        )
    return api


@pytest.fixture
def ipfs_store(ipfs_api):
    return IpfsStore(ipfs_api, fetch_timeout=2)


@pytest.fixture
def folder_store(tmp_path):
    return FolderStore(tmp_path / "documents")


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def create_fake_node():
    """Factory: a tiny HTTP server playing an IPFS node that answers `cat` with `cat_bytes` and
    `add` with `add_hash`; returns its API URL."""
    servers = []

    def create(*, cat_bytes=b"", add_hash=""):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self._drain_body()
                endpoint = urlsplit(self.path).path
                if endpoint == "/api/v0/cat":
                    body, kind = cat_bytes, "application/octet-stream"
                elif endpoint == "/api/v0/add":
                    body = json.dumps({"Name": add_hash, "Hash": add_hash, "Size": "0"}).encode()
                    kind = "application/json"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _drain_body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    while size := int(self.rfile.readline().split(b";")[0], 16):
                        self.rfile.read(size + 2)
                    self.rfile.readline()
                else:
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield create
    for server in servers:
        server.shutdown()
        server.server_close()


# --- the same CIDs as the node --------------------------------------------------------------


@pytest.mark.parametrize("size", ISSUE_SIZES, ids=size_id)
def test_folder_store_add__sizes_0_to_50mb__cid_the_node_gave(folder_store, size):
    data = sample(size)
    cid = folder_store.add(data)
    assert cid == NODE_CIDS[size]
    assert (folder_store.folder / cid).read_bytes() == data
    assert folder_store.get(cid) == data


@pytest.mark.parametrize("size", ISSUE_SIZES, ids=size_id)
def test_ipfs_store_add_then_get__sizes_0_to_50mb__same_cid_and_bytes(ipfs_store, size):
    data = sample(size)
    cid = ipfs_store.add(data)
    assert cid == NODE_CIDS[size]
    assert ipfs_store.has(cid)
    assert ipfs_store.get(cid) == data


def test_both_stores__one_document__same_cid(folder_store, ipfs_store):
    data = b'{"licence": "LS-000123", "holder": "Pharmstandard"}'
    assert folder_store.add(data) == ipfs_store.add(data) == file_cid(data)


# --- the IPFS store -------------------------------------------------------------------------


def test_ipfs_store__api_as_url__same_node(ipfs_api):
    host, port = ipfs_api.split("/")[2], ipfs_api.split("/")[4]
    store = IpfsStore(f"http://{host}:{port}")
    cid = store.add(b"through a URL")
    assert IpfsStore(ipfs_api).get(cid) == b"through a URL"


def test_ipfs_store_get__never_added__not_found_error(ipfs_store):
    with pytest.raises(DocumentNotFoundError, match=f"{NEVER_ADDED} is not on the IPFS node at "):
        ipfs_store.get(NEVER_ADDED)


def test_ipfs_store_has__never_added__false(ipfs_store):
    assert not ipfs_store.has(NEVER_ADDED)


@pytest.mark.parametrize("operation", ["add", "get", "has"])
def test_ipfs_store__node_down__unreachable_error_says_how_to_start_one(closed_port, operation):
    address = f"/ip4/127.0.0.1/tcp/{closed_port}/http"
    store = IpfsStore(address)
    call = {"add": lambda: store.add(b"x"), "get": lambda: store.get(NEVER_ADDED), "has": lambda: store.has(NEVER_ADDED)}
    with pytest.raises(DocumentStoreUnreachable) as error:
        call[operation]()
    message = str(error.value)
    assert f"the IPFS node at {address} does not answer" in message
    assert "tools/ipfs.sh start" in message
    assert f"unset {IPFS_API_VARIABLE}" in message


def test_save_document__variable_names_a_node_that_is_down__unreachable_error(monkeypatch, closed_port):
    monkeypatch.setenv(IPFS_API_VARIABLE, f"/ip4/127.0.0.1/tcp/{closed_port}/http")
    with pytest.raises(DocumentStoreUnreachable, match=f"tcp/{closed_port}/http does not answer"):
        save_document(b"licence")


def test_document_status__each_refusal__named_by_its_kind(folder_store, closed_port):
    cid = folder_store.add(b"licence")
    (folder_store.folder / cid).write_bytes(b"licence, edited")
    refusals = {}
    for name, read in {
        "edited": lambda: folder_store.get(cid),
        "absent": lambda: folder_store.get(NEVER_ADDED),
        "node down": lambda: IpfsStore(f"/ip4/127.0.0.1/tcp/{closed_port}/http").get(NEVER_ADDED),
    }.items():
        with pytest.raises(DocumentStoreError) as refusal:
            read()
        refusals[name] = document_status(refusal.value)

    assert refusals == {"edited": "altered", "absent": "missing", "node down": "unreachable"}


def test_verify_and_catalogue__node_down__documents_unreachable_not_missing(monkeypatch, closed_port):
    from dapp.reports.catalogue import check_document
    from dapp.verification.verdicts import _document

    monkeypatch.setenv(IPFS_API_VARIABLE, f"/ip4/127.0.0.1/tcp/{closed_port}/http")

    assert _document("Certificate", NEVER_ADDED).status == "unreachable"
    check = check_document(NEVER_ADDED)
    assert check.status == "unreachable" and f"tcp/{closed_port}/http does not answer" in check.problem


def test_ipfs_store_get__node_answers_other_bytes__refused(create_fake_node):
    genuine = sample(1_000_000)
    forged = genuine[:-1] + bytes([genuine[-1] ^ 1])
    store = IpfsStore(create_fake_node(cat_bytes=forged))
    with pytest.raises(DocumentAlteredError, match=f"document {NODE_CIDS[1_000_000]} from the IPFS node at .* altered"):
        store.get(NODE_CIDS[1_000_000])


def test_ipfs_store_get__fake_node_answers_genuine_bytes__returned(create_fake_node):
    # the same fake node with the right bytes: what the test above refuses is the bytes, not the node
    store = IpfsStore(create_fake_node(cat_bytes=sample(CHUNK + 1)))
    assert store.get(NODE_CIDS[CHUNK + 1]) == sample(CHUNK + 1)


def test_ipfs_store_add__node_gives_another_cid__refused(create_fake_node):
    store = IpfsStore(create_fake_node(add_hash=NEVER_ADDED))
    with pytest.raises(DocumentStoreError, match=f"gave CID {NEVER_ADDED} to a document whose CIDv1 is {file_cid(b'x')}"):
        store.add(b"x")


@pytest.mark.parametrize("api", ["ftp://127.0.0.1:5001", "/ip4/127.0.0.1/tcp/notaport/http"])
def test_ipfs_store__not_an_address__error_shows_the_forms(api):
    with pytest.raises(DocumentStoreError, match="/ip4/127.0.0.1/tcp/5001/http"):
        IpfsStore(api)


# --- the folder store -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, CHUNK + 1], ids=["one block", "chunked"])
def test_folder_store_get__file_edited__refused(folder_store, size):
    cid = folder_store.add(sample(size))
    path = folder_store.folder / cid
    path.write_bytes(b"X" + path.read_bytes()[1:])
    with pytest.raises(DocumentAlteredError, match=f"document {cid} in {path} has been altered"):
        folder_store.get(cid)


def test_folder_store_add__altered_copy_there__genuine_bytes_put_back(folder_store):
    cid = folder_store.add(b"certificate")
    (folder_store.folder / cid).write_bytes(b"forged certificate")
    assert folder_store.add(b"certificate") == cid
    assert folder_store.get(cid) == b"certificate"


def test_folder_store_add__twice__one_file(folder_store):
    assert folder_store.add(b"same") == folder_store.add(b"same")
    assert [path.name for path in folder_store.folder.iterdir()] == [file_cid(b"same")]


def test_folder_store_get__never_added__not_found_error(folder_store):
    with pytest.raises(DocumentNotFoundError, match=f"document {NEVER_ADDED} is not in {folder_store.folder}"):
        folder_store.get(NEVER_ADDED)


def test_folder_store_has__added_and_never_added(folder_store):
    cid = folder_store.add(b"waybill")
    assert folder_store.has(cid)
    assert not folder_store.has(NEVER_ADDED)


@pytest.mark.parametrize("cid", ["", "../secrets", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", "bafy" + "a" * 55])
@pytest.mark.parametrize("operation", ["get", "has"])
def test_folder_store__not_a_cid__refused_with_the_expected_form(folder_store, cid, operation):
    with pytest.raises(InvalidCidError, match="is not a document CID"):
        getattr(folder_store, operation)(cid)


# --- choosing the store ---------------------------------------------------------------------


def test_open_store__variable_unset__folder_store_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(IPFS_API_VARIABLE, raising=False)
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))
    store = open_store()
    assert isinstance(store, FolderStore)
    assert store.folder == tmp_path / "documents"


def test_open_store__variable_set__ipfs_store_at_that_address(monkeypatch):
    monkeypatch.setenv(IPFS_API_VARIABLE, "/ip4/127.0.0.1/tcp/5001/http")
    store = open_store()
    assert isinstance(store, IpfsStore)
    assert store.api == "/ip4/127.0.0.1/tcp/5001/http"


def test_save_then_load_document__variable_set__through_the_node_not_the_folder(monkeypatch, tmp_path, ipfs_api):
    monkeypatch.setenv(IPFS_API_VARIABLE, ipfs_api)
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))
    cid = save_document(b'{"name": "City Hospital No. 1"}')
    assert load_document(cid) == b'{"name": "City Hospital No. 1"}'
    assert not (tmp_path / "documents").exists()
