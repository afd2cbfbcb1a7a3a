"""Sending contract transactions with refusals turned into readable errors."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator

from dapp.errors import TransactionRefused


@contextlib.contextmanager
def _held_stdout() -> Iterator[list[bytes]]:
    """Catch what is written to file descriptor 1 (Ape's rich console holds its own handle
    on it, so redirecting `sys.stdout` is not enough); the bytes land in the yielded list."""
    sys.stdout.flush()
    saved = os.dup(1)
    held: list[bytes] = []
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 1)
        try:
            yield held
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            capture.seek(0)
            held.append(capture.read())


def send(method, *arguments, sender, action: str):
    """Call a contract's state-changing `method`; a revert becomes TransactionRefused.

    `action` says what was attempted ("approve 0x..."), so the error reads as a sentence:
    "approve 0x12…: refused by the contract: participants: not an open application".
    On a local chain Ape prints the reverted call's whole trace; the reason is all a
    user needs, so that print is held back and shown only if the call succeeds.
    """
    from ape.exceptions import ContractLogicError, VirtualMachineError

    with _held_stdout() as held:
        try:
            receipt = method(*arguments, sender=sender)
        except ContractLogicError as error:
            failure = TransactionRefused(f"{action}: refused by the contract: {error.message}")
        except VirtualMachineError as error:
            failure = TransactionRefused(f"{action}: the transaction failed: {error}")
        else:
            failure = None
    if failure is not None:
        raise failure
    sys.stdout.buffer.write(held[0])
    sys.stdout.flush()
    return receipt
