"""The wallet component (Streamlit components v2: in the page, no iframe, so it sees the wallets
the browser injects): EIP-6963 discovery (else `window.ethereum`), connecting, the chain check and
switch, Sign-In with Ethereum, `eth_sendTransaction` and `eth_signTypedData_v4`.

    result = wallet_component(key="wallet-panel", mode="panel", chain=chain_parameters(deployment, rpc),
                              account=None, request=None)
    event = fresh(result, "wallet-panel")   # a result not seen yet in this session, or None

A request is carried out once (its `id`); its answer comes back as the result with that id:
    {"id", "kind": "sign_in", "ok": True, "message", "signature", "account"}
    {"id", "kind": "sign_typed", "ok": True, "signature"}
    {"id", "kind": "send", "ok": True, "hashes": [...], "blocks": ["123", ...]}
    {"id", "kind": "recheck", "ok": True, "chainId": "31337", "block": {"number", "hash"} | None,
     "results": [{"ok": True, "result": "0x..."} | {"ok": False, "reason", "message"}, ...]}
       (a read through the wallet's own node: new_request("recheck", None, block=..., calls=[...]))
    {"id", "kind", "ok": False, "reason": "rejected" | "wrong_chain" | "no_wallet" | "reverted" |
     "unreachable" | "other_account" | "failed", "code", "message", "data", "index", "hashes"}
and the panel's events: {"kind": "connected", "account", "chainId", "wallet"}, {"kind":
"accounts_changed", "account"}, {"kind": "chain_changed", "chainId"}, {"kind": "error", ...}.
The JavaScript is `wallet.js` beside this file, read at import: nothing comes from a CDN.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import streamlit as st

from dapp.i18n import _
from dapp.ui.components.events import fresh  # noqa: F401 (the wallet's callers take it from here)

HERE = Path(__file__).resolve().parent
NAME = "medchain_wallet"

_mount = st.components.v2.component(
    NAME, html='<div class="medchain-wallet"></div>', css=(HERE / "wallet.css").read_text(encoding="utf-8"),
    js=(HERE / "wallet.js").read_text(encoding="utf-8"))


def labels() -> dict[str, str]:
    """The sentences the component shows, in the session's language."""
    return {
        "connect": _("Connect wallet"),
        "choose": _("Wallet"),
        "no_wallet": _("No wallet found in this browser: install one (a browser extension) and reload the page."),
        "wrong_chain": _("The wallet is on chain {chain}, not the platform's."),
        "switch": _("Switch network"),
        "confirm": _("Confirm in your wallet…"),
        "done": _("Done."),
    }


def chain_parameters(chain_id: int, rpc_url: str, name: str = "") -> dict[str, Any]:
    """The chain as `wallet_switchEthereumChain`/`wallet_addEthereumChain` take it."""
    return {"chainId": hex(int(chain_id)), "chainIdDecimal": str(int(chain_id)),
            "chainName": name or (_("MedChain local chain") if int(chain_id) == 31337 else f"Chain {chain_id}"),
            "rpcUrls": [rpc_url]}


def new_request(kind: str, account: str, **fields) -> dict[str, Any]:
    """A request for the component, with an id of its own (it is carried out once)."""
    return {"id": secrets.token_hex(8), "kind": kind, "account": account, **fields}


def wallet_component(*, key: str, mode: str, chain: dict, account: str | None = None,
                     request: dict | None = None) -> dict | None:
    """Mounts the wallet; its latest result (a dict) or None."""
    result = _mount(key=key, data={"mode": mode, "chain": chain, "account": account, "request": request,
                                   "labels": labels()},
                    default={"result": None}, on_result_change=lambda: None, height="content")
    value = getattr(result, "result", None)
    return value if isinstance(value, dict) else None


def typed_data_json(typed_data: dict) -> str:
    """EIP-712 typed data as the JSON text `eth_signTypedData_v4` takes, integers of the message
    as decimal strings (JSON numbers lose precision past 2**53 in JavaScript)."""

    def plain(value):
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return str(value)
        if isinstance(value, (bytes, bytearray)):
            return "0x" + bytes(value).hex()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    document = dict(typed_data)
    document["message"] = plain(typed_data["message"])
    document["domain"] = {k: (int(v) if k == "chainId" else plain(v)) for k, v in typed_data["domain"].items()}
    return json.dumps(document)
