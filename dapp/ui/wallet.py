"""Carrying a prepared action out from a page: through the browser wallet, or in dev mode
through the local chain's dev account.

    clicked = st.button("Approve")
    outcome = carry_out_in_browser(prepare_approve() if clicked else None, key="approve")
    if outcome: show_outcome(outcome)

Call it on every run with the same key (with the action only on the run that starts it). It
checks the action is for the signed-in account, dry-runs each call with that account as sender
(a refusal is shown as the contract's decoded reason before the wallet opens), asks the wallet
for the typed-data signatures the action needs (`eth_signTypedData_v4`), then for the calls
(`eth_sendTransaction`, each waited for), and returns the Outcome once done. The receipts are
read from the chain's node, not taken from the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import requests
import streamlit as st

from dapp.chain.actions import PreparedAction, Receipt
from dapp.chain.signers import RpcSigner, carry_out
from dapp.errors import PlatformError, TransactionRefused
from dapp.i18n import _
from dapp.ui.account import chain_context, failure_sentence, signed_in
from dapp.ui.components.wallet import chain_parameters, fresh, new_request, typed_data_json, wallet_component


@dataclass
class Outcome:
    ok: bool
    sentence: str
    transaction_hashes: list[str] = field(default_factory=list)
    block: int | None = None
    signatures: list[bytes] = field(default_factory=list)
    value: Any = None  # the action's outcome (a new tender's id, ...), or its receipts


@dataclass
class _Task:
    action: PreparedAction
    request: dict | None = None
    signatures: list[bytes] = field(default_factory=list)
    outcome: Outcome | None = None
    head: int = 0  # the chain's head when the wallet was asked to send: its transactions come later


def _state_key(key: str) -> str:
    return f"_wallet_task_{key}"


def carry_out_in_browser(action: PreparedAction | None, key: str) -> Outcome | None:
    """Starts `action` (when given) and advances the task `key`; its Outcome once done."""
    state = _state_key(key)
    if action is not None:
        st.session_state[state] = _start(action)
    task: _Task | None = st.session_state.get(state)
    if task is None:
        return None
    if task.outcome is not None:
        return task.outcome
    chain = chain_context()
    result = wallet_component(key=f"wallet-task-{key}", mode="task",
                              chain=chain_parameters(chain.deployment.chain_id, chain.uri),
                              account=task.action.sender, request=task.request)
    answer = fresh(result, f"wallet-task-{key}")
    if answer is None or task.request is None or answer.get("id") != task.request["id"]:
        st.caption(_("Confirm in your wallet: {what}").format(what=task.action.description))
        return None
    if not answer.get("ok"):
        task.outcome = _failed(task, answer)
    elif answer.get("kind") == "sign_typed":
        task.signatures.append(bytes.fromhex(str(answer.get("signature", "")).removeprefix("0x")))
        _next_step(task)
    elif answer.get("kind") == "send":
        task.outcome = _sent(task, answer)
    st.rerun()


def _start(action: PreparedAction) -> _Task:
    task = _Task(action=action)
    identity = signed_in()
    if identity is None:
        task.outcome = Outcome(False, _("Sign in first (the sidebar): the platform acts only for an account that "
                                        "proved it is yours."))
        return task
    if identity.account.lower() != action.sender.lower():
        task.outcome = Outcome(False, _("This action is for {sender}, but you are signed in as {account}.")
                               .format(sender=action.sender, account=identity.account))
        return task
    if identity.via == "dev":
        task.outcome = _in_dev_mode(action)
        return task
    _next_step(task)
    return task


def _in_dev_mode(action: PreparedAction) -> Outcome:
    chain = chain_context()
    from dapp.identity import dev_mode_at

    status = dev_mode_at(chain.uri)
    if not status.allowed:
        return Outcome(False, status.reason)
    signer = RpcSigner(action.sender, chain.uri)
    try:
        signatures = [signer.sign_typed_data(request.typed_data) for request in action.to_sign]
        completed = action.with_signatures(signatures)
        # the receipts themselves (the outcome, when the action has one, is made from them below)
        receipts = carry_out(replace(completed, outcome=None), signer)
        value = completed.outcome(receipts) if completed.outcome else receipts
    except PlatformError as error:
        return Outcome(False, str(error))
    return _done(receipts, signatures, value)


def _next_step(task: _Task) -> None:
    """The next wallet request of the task: a signature still needed, else the calls (dry-run first)."""
    action = task.action
    if len(task.signatures) < len(action.to_sign):
        request = action.to_sign[len(task.signatures)]
        task.request = new_request("sign_typed", action.sender, typedData=typed_data_json(request.typed_data),
                                   description=request.description)
        return
    try:
        completed = action.with_signatures(task.signatures) if action.to_sign else action
    except PlatformError as error:
        task.outcome = Outcome(False, str(error), signatures=task.signatures)
        return
    if not completed.calls:
        # Only signatures: the same outcome dev mode gives (its value made from no receipts).
        task.outcome = _done([], task.signatures, completed.outcome([]) if completed.outcome else [])
        return
    refusal = _dry_run(completed)
    if refusal:
        task.outcome = Outcome(False, refusal, signatures=task.signatures)
        return
    task.action = completed
    head = _rpc(chain_context().uri, "eth_blockNumber", [])
    task.head = int(head, 16) if head else 0
    task.request = new_request("send", action.sender,
                               transactions=[call.transaction(action.sender) for call in completed.calls])


def _dry_run(action: PreparedAction) -> str:
    """The decoded refusal of the first independent call that would revert now, or ""."""
    checker = RpcSigner(action.sender, chain_context().uri)  # eth_call only: no key needed
    try:
        for call in action.calls:
            if not call.after_previous:
                checker.dry_run(call)
    except TransactionRefused as error:
        return str(error)
    except PlatformError as error:
        return str(error)
    return ""


def _failed(task: _Task, answer: dict) -> Outcome:
    sentence = failure_sentence(answer)
    hashes = list(answer.get("hashes") or [])
    if answer.get("reason") == "reverted" and not answer.get("data") and task.action.calls:
        # The wallet gave no revert data: ask the node why, with the same call.
        index = int(answer.get("index") or 0)
        calls = task.action.calls
        refusal = _dry_run(PreparedAction(sender=task.action.sender, description=task.action.description,
                                          calls=(calls[min(index, len(calls) - 1)],)))
        if refusal:
            sentence = refusal
    return Outcome(False, sentence, transaction_hashes=hashes, signatures=task.signatures)


def _sent(task: _Task, answer: dict) -> Outcome:
    uri = chain_context().uri
    receipts = []
    # The page reports hashes; the node says what they are. Each must be this action's call, in
    # order, from the signed-in account, mined after the wallet was asked: never another
    # transaction (someone else's, or this account's earlier one) taken for it.
    hashes = list(answer.get("hashes") or [])
    if len(hashes) != len(task.action.calls):
        return Outcome(False, _("The wallet reported {sent} of {all} transactions.")
                       .format(sent=len(hashes), all=len(task.action.calls)), signatures=task.signatures)
    for transaction_hash, call in zip(hashes, task.action.calls):
        sent = _rpc(uri, "eth_getTransactionByHash", [transaction_hash])
        difference = call.sent_differently(task.action.sender, sent)
        if difference:
            return Outcome(False, _("The wallet reported transaction {hash}, which is not the one asked for ({call}): "
                                    "{difference}. Nothing is taken as done; check the wallet's activity.")
                           .format(hash=transaction_hash, call=call.description, difference=difference),
                           signatures=task.signatures)
        raw = _rpc(uri, "eth_getTransactionReceipt", [transaction_hash])
        if not raw or int(raw["status"], 16) != 1:
            return Outcome(False, _("The transaction {hash} is not mined as successful on the platform's chain.")
                           .format(hash=transaction_hash), signatures=task.signatures)
        if int(raw["blockNumber"], 16) <= task.head:
            return Outcome(False, _("The wallet reported transaction {hash}, mined in block {block} before it was "
                                    "asked to send: an earlier transaction, not this one. Nothing is taken as done.")
                           .format(hash=transaction_hash, block=int(raw["blockNumber"], 16)),
                           signatures=task.signatures)
        receipts.append(Receipt(transaction_hash=transaction_hash, block_number=int(raw["blockNumber"], 16),
                                gas_used=int(raw["gasUsed"], 16), logs=tuple(raw["logs"])))
    value = task.action.outcome(receipts) if task.action.outcome else receipts
    return _done(receipts, task.signatures, value)


def _done(receipts: list[Receipt], signatures: list[bytes], value) -> Outcome:
    if not receipts:
        return Outcome(True, _("Signed."), signatures=signatures, value=value)
    last = receipts[-1]
    return Outcome(True, _("Done: transaction {hash} in block {block}.").format(hash=last.transaction_hash,
                                                                              block=last.block_number),
                   transaction_hashes=[r.transaction_hash for r in receipts], block=last.block_number,
                   signatures=signatures, value=value)


def _rpc(uri: str, method: str, params: list):
    try:
        return requests.post(uri, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                             timeout=10).json().get("result")
    except (requests.RequestException, ValueError):
        return None


def show_outcome(outcome: Outcome | None) -> None:
    """The outcome in words: success with the transaction, or the refusal."""
    if outcome is None:
        return
    if outcome.ok:
        st.success(outcome.sentence, icon=":material/check_circle:")
    else:
        st.error(outcome.sentence, icon=":material/block:")


def forget(key: str) -> None:
    """Drops the task `key` (its outcome no longer shown)."""
    st.session_state.pop(_state_key(key), None)


def action_button(key: str, label: str, prepare, *, shown: bool = True, icon: str | None = None) -> Outcome | None:
    """A button (key `<key>_go`) that carries out `prepare()`'s prepared action through the wallet.

    The task is advanced on every run, shown or not, so a wallet's answer is never lost when the
    page stops offering the button (a stage moved on), and its outcome is shown once even then. A
    PlatformError from `prepare` (a check the library makes before anything is sent) is shown in
    words. Returns the Outcome once done."""
    prepared = None
    if shown and st.button(label, key=f"{key}_go", icon=icon):
        try:
            prepared = prepare()
        except PlatformError as error:
            forget(key)
            st.error(str(error), icon=":material/block:")
    outcome = carry_out_in_browser(prepared, key=key)
    seen = f"_wallet_outcome_seen_{key}"
    if outcome is not None and (shown or st.session_state.get(seen) is not outcome):
        # A button the new state no longer offers still says, once, how its action ended.
        show_outcome(outcome)
        st.session_state[seen] = outcome
    return outcome
