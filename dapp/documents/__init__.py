"""Documents by content: CIDv1 computed as IPFS does, and the document stores (an IPFS
node, or a folder giving the same CIDs) whose every read is checked against its CID.
"""


from dapp.documents.cid import InvalidCidError, check_cid, file_cid, raw_cid
from dapp.documents.store import DocumentAlteredError, DocumentNotFoundError, DocumentStore, DocumentStoreError, DocumentStoreUnreachable, FolderStore, GatewayStore, IpfsStore, document_status, open_store
from dapp.documents.default_store import load_document, save_document

__all__ = ["DocumentAlteredError", "DocumentNotFoundError", "DocumentStore", "DocumentStoreError", "DocumentStoreUnreachable", "FolderStore", "GatewayStore", "InvalidCidError", "IpfsStore", "check_cid", "document_status", "file_cid", "load_document", "open_store", "raw_cid", "save_document"]
