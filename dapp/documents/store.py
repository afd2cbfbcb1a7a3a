"""The document store: licences, certificates, metadata and serial lists kept under their CID.

Two implementations behind one interface, giving the same CIDv1 for the same bytes:
`IpfsStore`, an IPFS node through its HTTP RPC API (any Kubo; js-ipfs in the tests), chosen
when `MEDCHAIN_IPFS_API` names one; and `FolderStore`, a folder of files named by their CID,
the default. Every read is hashed again: bytes whose CID is not the one asked for raise
`DocumentAlteredError`, they are never returned.
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


def open_store() -> DocumentStore:
    """The IPFS node named by MEDCHAIN_IPFS_API when it is set, else the folder store in the data folder."""
    api = os.environ.get(IPFS_API_VARIABLE, "").strip()
    return IpfsStore(api) if api else FolderStore(documents_dir())


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

