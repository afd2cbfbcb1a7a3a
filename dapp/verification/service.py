"""The verifier as a server shares it: one per process, safe across threads, and able to come
back when the chain's node does.

The dApp's pages and the resolver's routes run on many threads of one process; the verifier
keeps the events it follows and the organizations it has read, so one instance serves them all
and a lock keeps one verdict's reads together. When the node cannot be reached (or the platform
is not deployed there yet), the error says so in words and the next request tries again.
"""

from __future__ import annotations

import os
import threading
from functools import cache

from dapp.errors import PlatformError
from dapp.verification.verdicts import Verdict, Verifier


def rpc_url() -> str:
    """The chain's node: MEDCHAIN_RPC_URL (`make run` starts anvil at the default)."""
    return os.environ.get("MEDCHAIN_RPC_URL", "http://127.0.0.1:8545")


class VerificationService:
    def __init__(self, uri: str | None = None):
        self.uri = uri or rpc_url()
        self._lock = threading.Lock()
        self._verifier: Verifier | None = None

    def verifier(self) -> Verifier:
        """The verifier, connected on first use (raises ChainUnreachable or DeploymentError)."""
        if self._verifier is None:
            self._verifier = Verifier.at(self.uri)
        return self._verifier

    def verify_text(self, text: str, scanner: str | None = None) -> Verdict:
        """The verdict on a code as typed, scanned or read from a photo; raises InvalidCodeError
        (what is wrong with it) or a PlatformError saying what cannot answer."""
        with self._lock:
            verifier = self.verifier()
            try:
                return verifier.verify_text(text, scanner)
            except PlatformError:
                raise
            except Exception:
                self._verifier = None  # a half-read state is not kept: the next request starts clean
                raise

    def organizations(self) -> dict[str, dict]:
        """Every registered organization by account: {"account", "name", ...} (for "scanning at")."""
        with self._lock:
            return self.verifier().organizations()


@cache
def shared_service() -> VerificationService:
    """The process's verification service (the pages and the resolver share it)."""
    return VerificationService()
