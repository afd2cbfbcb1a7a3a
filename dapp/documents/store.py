"""The document store: licences, certificates, metadata and serial lists kept under their CID.

Three implementations behind one interface, giving the same CIDv1 for the same bytes:
`IpfsStore`, an IPFS node through its HTTP RPC API (any Kubo; js-ipfs in the tests), chosen
when `MEDCHAIN_IPFS_API` names one; `GatewayStore`, an HTTP gateway (`<gateway>/ipfs/<cid>`,
read only: what a verifier without a node of its own uses), chosen when `MEDCHAIN_IPFS_GATEWAY`
names one; and `FolderStore`, a folder of files named by their CID, the default. Every read is
hashed again: bytes whose CID is not the one asked for raise `DocumentAlteredError`, they are
never returned.
"""

from __future__ import annotations

import io
import ipaddress
import os
import tempfile
import warnings
from abc import ABC, abstractmethod
from pathlib import Path
from urllib.parse import urlsplit

from dapp.documents.cid import CHUNK_SIZE, check_cid, file_cid
from dapp.errors import PlatformError
from dapp.paths import documents_dir
from dapp.i18n import _

IPFS_API_VARIABLE = "MEDCHAIN_IPFS_API"
IPFS_GATEWAY_VARIABLE = "MEDCHAIN_IPFS_GATEWAY"
# The most a gateway's answer may hold (a proof tree of a million units is 32 MB).
GATEWAY_MAX_BYTES = 512 * 1024 * 1024


class DocumentStoreError(PlatformError):
    """The document store could not keep or give back a document."""


class DocumentNotFoundError(DocumentStoreError):
    """The store does not hold a document with that CID."""


class DocumentAlteredError(DocumentStoreError):
    """The bytes the store gave back do not hash to the CID asked for."""


class DocumentStoreUnreachable(DocumentStoreError):
    """The configured IPFS node does not answer."""


class DocumentStore(ABC):
    """Documents kept under their CIDv1, the one `ipfs add --cid-version=1` gives."""

    @abstractmethod
    def add(self, data: bytes) -> str:
        """Keep `data` and return its CID."""

    @abstractmethod
    def get(self, cid: str) -> bytes:
        """The bytes of `cid`, checked against it (DocumentAlteredError when they do not match)."""

    @abstractmethod
    def has(self, cid: str) -> bool:
        """Whether the store holds `cid`."""

    def _checked(self, cid: str, data: bytes, where: str) -> bytes:
        if file_cid(data) != cid:
            raise DocumentAlteredError(
                _("document {cid} {where} has been altered: its bytes no longer match its CID. It is not "
                  "shown; add the genuine file again to replace it").format(cid=cid, where=where)
            )
        return data


class FolderStore(DocumentStore):
    """A folder with one file per document, named by its CID (the whole file, however large)."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"FolderStore({str(self.folder)!r})"

    def add(self, data: bytes) -> str:
        cid = file_cid(data)
        path = self.folder / cid
        if path.is_file() and file_cid(path.read_bytes()) == cid:
            return cid
        self.folder.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed: a crash never leaves a half file under the CID.
        with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".adding-", delete=False) as part:
            part.write(data)
        os.replace(part.name, path)
        return cid

    def get(self, cid: str) -> bytes:
        path = self.folder / check_cid(cid)
        if not path.is_file():
            raise DocumentNotFoundError(_("document {cid} is not in {folder}").format(cid=cid, folder=self.folder))
        return self._checked(cid, path.read_bytes(), f"in {path}")

    def has(self, cid: str) -> bool:
        return (self.folder / check_cid(cid)).is_file()

    def cids(self) -> list[str]:
        """The CIDs of the documents in the folder, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(path.name for path in self.folder.iterdir() if path.is_file() and _is_cid(path.name))


class IpfsStore(DocumentStore):
    """An IPFS node's HTTP RPC API, at a multiaddr (/ip4/127.0.0.1/tcp/5001/http) or a URL."""

    # Import settings fixed here rather than left to the node's defaults, so that any node
    # gives the CID `file_cid` computes.
    _ADD_OPTIONS = {"cid-base": "base32", "hash": "sha2-256"}

    def __init__(self, api: str, *, fetch_timeout: float = 30.0, connect_timeout: float = 5.0):
        import ipfshttpclient  # only the IPFS store needs it

        self.api = api
        self.fetch_timeout = fetch_timeout
        self._errors = ipfshttpclient.exceptions
        try:
            # Not ipfshttpclient.connect(): it refuses every daemon newer than 0.8.
            self._client = ipfshttpclient.Client(
                _multiaddr(api), timeout=(connect_timeout, fetch_timeout + 30.0)
            )
        except self._errors.AddressError as error:
            raise DocumentStoreError(
                _("{api!r} is not an IPFS API address ({error}); give a multiaddr like "
                  "/ip4/127.0.0.1/tcp/5001/http or a URL like http://127.0.0.1:5001").format(api=api, error=error)
            ) from None

    def __repr__(self) -> str:
        return f"IpfsStore({self.api!r})"

    def add(self, data: bytes) -> str:
        expected = file_cid(data)
        answer = self._call(
            lambda: self._client.add(
                io.BytesIO(data), cid_version=1, raw_leaves=True, chunker=f"size-{CHUNK_SIZE}",
                pin=True, opts=dict(self._ADD_OPTIONS),
            )
        )
        if answer["Hash"] != expected:
            raise DocumentStoreError(
                _("the IPFS node at {api} gave CID {hash} to a document whose CIDv1 is {expected}: it does "
                  "not import files as `ipfs add --cid-version=1` does (raw leaves, 256 KiB chunks, "
                  "balanced tree of 174 links); check its Import settings").format(api=self.api, hash=answer['Hash'], expected=expected)
            )
        return expected

    def get(self, cid: str) -> bytes:
        check_cid(cid)
        try:
            # The node's own timeout: a node looks for a block it lacks for as long as it is let.
            data = self._call(lambda: self._client.cat(cid, opts={"timeout": f"{self.fetch_timeout:g}s"}))
        except self._errors.ErrorResponse as error:
            raise DocumentNotFoundError(
                _("document {cid} is not on the IPFS node at {api}, which could not fetch it within "
                  "{fetch_timeout:g} s ({error})").format(cid=cid, api=self.api, fetch_timeout=self.fetch_timeout, error=error)
            ) from None
        return self._checked(cid, data, f"from the IPFS node at {self.api}")

    def has(self, cid: str) -> bool:
        """Whether the node keeps (pins) `cid`, as `add` does."""
        check_cid(cid)
        try:
            self._call(lambda: self._client.pin.ls(cid, type="recursive"))
        except self._errors.ErrorResponse:
            return False
        return True

    def _call(self, request):
        with warnings.catch_warnings():
            # ipfshttpclient passes urllib3 an argument it deprecated; nothing to act on.
            warnings.filterwarnings("ignore", message="The 'strict' parameter", category=FutureWarning)
            try:
                return request()
            except (self._errors.ConnectionError, self._errors.TimeoutError) as error:
                raise DocumentStoreUnreachable(
                    _("the IPFS node at {api} does not answer ({kind}). Start one with `eval "
                      "\"$(tools/ipfs.sh start)\"`, which sets {ipfs_api_variable}, or unset {ipfs_api_variable} "
                      "to keep documents in the folder store ({documents_dir})").format(api=self.api, kind=type(error).__name__, ipfs_api_variable=IPFS_API_VARIABLE, documents_dir=documents_dir())
                ) from None


class GatewayStore(DocumentStore):
    """An IPFS HTTP gateway, read only: `get` fetches `<gateway>/ipfs/<cid>` and checks the bytes
    against the CID, so a gateway is trusted for nothing but availability."""

    def __init__(self, gateway: str, *, timeout: float = 30.0, connect_timeout: float = 5.0,
                 max_bytes: int = GATEWAY_MAX_BYTES):
        url = urlsplit(gateway.strip() if "://" in gateway else f"http://{gateway.strip()}")
        if url.scheme not in ("http", "https") or not url.hostname:
            raise DocumentStoreError(
                _("{gateway!r} is not an IPFS gateway's address; give a URL like https://ipfs.example or "
                  "http://127.0.0.1:8080").format(gateway=gateway))
        self.gateway = f"{url.scheme}://{url.netloc}{url.path.rstrip('/')}"
        self.timeout = (connect_timeout, timeout)
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"GatewayStore({self.gateway!r})"

    def add(self, data: bytes) -> str:
        raise DocumentStoreError(
            _("the IPFS gateway {gateway} is read only: documents are added through an IPFS node "
              "({ipfs_api_variable}) or the documents folder").format(gateway=self.gateway,
                                                                     ipfs_api_variable=IPFS_API_VARIABLE))

    def get(self, cid: str) -> bytes:
        import requests

        url = f"{self.gateway}/ipfs/{check_cid(cid)}"
        try:
            with requests.get(url, timeout=self.timeout, stream=True, allow_redirects=True) as answer:
                if answer.status_code != 200:
                    raise DocumentNotFoundError(
                        _("document {cid} is not available from the IPFS gateway {gateway} (HTTP {status})").format(
                            cid=cid, gateway=self.gateway, status=answer.status_code))
                data = bytearray()
                for chunk in answer.iter_content(CHUNK_SIZE):
                    data += chunk
                    if len(data) > self.max_bytes:
                        raise DocumentStoreError(
                            _("document {cid} from the IPFS gateway {gateway} is over {limit} bytes: not read").format(
                                cid=cid, gateway=self.gateway, limit=self.max_bytes))
        except (requests.ConnectionError, requests.Timeout) as error:
            raise DocumentStoreUnreachable(
                _("the IPFS gateway {gateway} does not answer ({kind})").format(
                    gateway=self.gateway, kind=type(error).__name__)) from None
        return self._checked(cid, bytes(data), f"from the IPFS gateway {self.gateway}")

    def has(self, cid: str) -> bool:
        try:
            self.get(cid)
        except DocumentStoreError:
            return False
        return True


def publish_documents(source: FolderStore, target: DocumentStore) -> list[str]:
    """Every document of the folder `source` added to `target` (an IPFS node), each read back
    checked against its CID first: how an operator that kept its documents in the folder store
    publishes them. Returns the CIDs published."""
    published = []
    for cid in source.cids():
        if target.add(source.get(cid)) != cid:  # the stores compute CIDs alike: a mismatch is a bug
            raise DocumentStoreError(_("document {cid} got another CID from {target}").format(cid=cid, target=target))
        published.append(cid)
    return published


def _is_cid(name: str) -> bool:
    try:
        check_cid(name)
    except PlatformError:
        return False
    return True


def open_store() -> DocumentStore:
    """The IPFS node named by MEDCHAIN_IPFS_API when it is set, else the IPFS gateway named by
    MEDCHAIN_IPFS_GATEWAY (read only), else the folder store in the data folder."""
    api = os.environ.get(IPFS_API_VARIABLE, "").strip()
    if api:
        return IpfsStore(api)
    gateway = os.environ.get(IPFS_GATEWAY_VARIABLE, "").strip()
    return GatewayStore(gateway) if gateway else FolderStore(documents_dir())


def _multiaddr(api: str) -> str:
    """`api` as a multiaddr: given as one, or converted from an http(s) URL."""
    if api.startswith("/"):
        return api
    url = urlsplit(api if "://" in api else f"http://{api}")
    if url.scheme not in ("http", "https") or not url.hostname:
        raise DocumentStoreError(
            _("{api!r} is not an IPFS API address; give a multiaddr like /ip4/127.0.0.1/tcp/5001/http "
              "or a URL like http://127.0.0.1:5001").format(api=api)
        )
    try:
        host = f"/ip{ipaddress.ip_address(url.hostname).version}/{url.hostname}"
    except ValueError:
        host = f"/dns/{url.hostname}"
    port = url.port or (443 if url.scheme == "https" else 5001)
    return f"{host}/tcp/{port}/{url.scheme}"


def document_status(error: PlatformError) -> str:
    """How a failed read is shown beside a document: "altered" (bytes that do not match the
    CID), "unreachable" (the IPFS node does not answer: nothing is known about the document),
    or "missing" (the store does not have it)."""
    if isinstance(error, DocumentAlteredError):
        return "altered"
    if isinstance(error, DocumentStoreUnreachable):
        return "unreachable"
    return "missing"

