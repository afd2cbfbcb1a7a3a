"""Sending contract transactions with refusals turned into readable errors."""

from __future__ import annotations

from dapp.errors import TransactionRefused


def send(method, *arguments, sender, action: str):
    """Call a contract's state-changing `method`; a revert becomes TransactionRefused.

    `action` says what was attempted ("approve 0x..."), so the error reads as a sentence:
    "approve 0x12…: refused by the contract: participants: not an open application".
    """
    from ape.exceptions import ContractLogicError, VirtualMachineError

    try:
        return method(*arguments, sender=sender)
    except ContractLogicError as error:
        raise TransactionRefused(f"{action}: refused by the contract: {error.message}") from None
    except VirtualMachineError as error:
        raise TransactionRefused(f"{action}: the transaction failed: {error}") from None
