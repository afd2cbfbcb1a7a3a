"""The sidebar's account panel: who this browser session acts for.

A session acts for an account only once the server verified it (`dapp.identity`): the account
signed the Sign-In with Ethereum message this server issued to this session, or, in dev mode on
the local chain only, the session chose a seeded demo organization (anvil's dev accounts sign).
Pages ask `signed_in()` and check roles with `standing()`: never an address the page claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st

from dapp.errors import PlatformError
from dapp.i18n import _
from dapp.identity import (DevMode, NonceBook, SignInRefused, Standing, demo_identities, dev_mode_at, sign_in_message,
                           standing_of, verify_sign_in)
from dapp.identity.standing import ROLE_NAMES
from dapp.roles import Role, Status
from dapp.ui.components.wallet import chain_parameters, fresh, new_request, wallet_component
from dapp.ui.hosts import answers_at, sign_in_hosts
from dapp.ui.text import plain
from dapp.verification.service import rpc_url

IDENTITY = "identity"
PANEL_KEY = "wallet-panel"


@dataclass(frozen=True)
class Identity:
    """The account this session acts for, and how it was proved."""

    account: str
    via: str  # "wallet" (Sign-In with Ethereum) or "dev" (a dev account of the local chain)
    wallet: str = ""
    contract_wallet: bool = False


@dataclass
class ChainContext:
    uri: str
    deployment: object
    reader: object
    dev_mode: DevMode


@st.cache_resource(show_spinner=False)
def nonce_book() -> NonceBook:
    """The server's sign-in nonces (one book for every session of the process)."""
    return NonceBook()


@st.cache_resource(show_spinner=False, ttl=60)
def _chain_context(uri: str) -> ChainContext:
    from dapp.chain.connection import deployment_at
    from dapp.chain.reader import ChainReader

    deployment = deployment_at(uri)
    return ChainContext(uri=uri, deployment=deployment, reader=ChainReader(deployment, uri), dev_mode=dev_mode_at(uri))


def chain_context() -> ChainContext:
    """The chain's deployment, reader and dev-mode status (raises ChainUnreachable/DeploymentError)."""
    return _chain_context(rpc_url())


def signed_in() -> Identity | None:
    """The verified identity of this session, or None."""
    identity = st.session_state.get(IDENTITY)
    return identity if isinstance(identity, Identity) else None


def signed_in_account() -> str | None:
    identity = signed_in()
    return identity.account if identity else None


def standing(account: str | None = None) -> Standing | None:
    """The registry's standing of the signed-in account (or `account`), read now."""
    account = account or signed_in_account()
    if account is None:
        return None
    return standing_of(chain_context().reader, account)


def sign_out(notice: str = "") -> None:
    st.session_state.pop(IDENTITY, None)
    st.session_state.pop("_sign_in_request", None)
    st.session_state.pop("_wallet_connected", None)
    if notice:
        st.session_state["_account_notice"] = notice


def short(account: str) -> str:
    return f"{account[:6]}…{account[-4:]}"


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context else "no-session"


def page_origin() -> tuple[str, str]:
    """(domain, uri) of the page as the browser reached it: what the sign-in message names.

    Raises SignInRefused when the page was reached at a name this server does not answer
    sign-ins at (dapp/ui/hosts.py): a message for a domain a script chose is never issued."""
    url = st.context.url or ""
    parts = urlsplit(url)
    host = st.context.headers.get("host") or parts.netloc or "localhost"
    if not answers_at(host):
        raise SignInRefused(_("this server does not answer sign-ins at {host}: open the dApp at its own address "
                              "({hosts}), or list the name in MEDCHAIN_DAPP_HOSTS").format(
            host=host, hosts=", ".join(sorted(sign_in_hosts()))))
    scheme = parts.scheme or "http"
    return host, f"{scheme}://{host}"


def account_panel() -> None:
    """The sidebar panel: dev-mode banner, connect/sign in, the signed-in account's standing,
    sign out, and (dev mode) "act as" a demo organization."""
    notice = st.session_state.pop("_account_notice", "")
    if notice:
        st.warning(notice)
    try:
        chain = chain_context()
    except PlatformError as error:
        st.caption(_("No wallet connected: verifying a pack needs none."))
        st.caption(str(error))
        return
    if chain.dev_mode.allowed:
        st.warning(_("Dev mode: a local chain, where anyone may act as a demo organization through its dev "
                     "account. Never on a real network."), icon=":material/construction:")
    identity = signed_in()
    if identity is not None and identity.via == "dev" and not chain.dev_mode.allowed:
        # A dev account never outlives dev mode (switched off, or another chain behind the URL).
        sign_out()
        st.warning(chain.dev_mode.reason)
        identity = None
    if identity is None:
        _sign_in(chain)
    else:
        _show_identity(chain, identity)


def _show_identity(chain: ChainContext, identity: Identity) -> None:
    if identity.via == "wallet":
        # Still mounted: a change of account in the wallet ends the session.
        event = fresh(wallet_component(key=PANEL_KEY, mode="panel", chain=_chain_of(chain), account=identity.account),
                      PANEL_KEY)
        if event and event.get("kind") == "accounts_changed" and \
                str(event.get("account") or "").lower() != identity.account.lower():
            sign_out(_("The wallet switched to another account: signed out. Sign in again to act for it."))
            st.rerun()
        if event and event.get("kind") == "chain_changed" and int(event.get("chainId", 0)) != chain.deployment.chain_id:
            st.warning(_("The wallet moved to chain {chain}; the platform runs on chain {expected}: switch back "
                         "before signing anything.").format(chain=event.get("chainId"), expected=chain.deployment.chain_id))
    st.markdown(_("Signed in as **{account}**").format(account=short(identity.account)), help=identity.account)
    try:
        found = standing(identity.account)
    except PlatformError as error:
        st.caption(str(error))
        found = None
    if found is not None:
        st.markdown(f"**{plain(found.display_name)}**")
        if found.registered:
            st.caption(_("Roles: {roles}").format(roles=", ".join(found.role_names) or _("none")))
            st.caption(_("Status: {status}").format(status=found.status_name))
    if identity.via == "dev":
        st.caption(_("Acting through the local chain's dev account (dev mode)."))
    if st.button(_("Sign out"), key="sign_out", icon=":material/logout:"):
        sign_out()
        st.rerun()


def _chain_of(chain: ChainContext) -> dict:
    return chain_parameters(chain.deployment.chain_id, chain.uri)


def _sign_in(chain: ChainContext) -> None:
    pending = st.session_state.get("_sign_in_request")
    if not st.session_state.get("_wallet_connected"):
        st.caption(_("No wallet connected: verifying a pack needs none."))
    # While the wallet signs the sign-in message, the component is told the account: connected
    # already, it offers no "Connect wallet" again (it comes back if the sign-in fails).
    result = wallet_component(key=PANEL_KEY, mode="panel", chain=_chain_of(chain),
                              account=pending["account"] if pending else None, request=pending)
    event = fresh(result, PANEL_KEY)
    expected = chain.deployment.chain_id
    if event is not None:
        kind = event.get("kind")
        if kind in ("connected", "chain_changed", "accounts_changed"):
            connected = st.session_state.get("_wallet_connected", {})
            if kind == "connected":
                connected = {"account": event.get("account"), "chainId": event.get("chainId"), "wallet": event.get("wallet")}
            elif kind == "chain_changed":
                connected = {**connected, "chainId": event.get("chainId")}
            else:
                connected = {**connected, "account": event.get("account")}
            st.session_state["_wallet_connected"] = connected
            st.session_state.pop("_sign_in_request", None)
            if connected.get("account") and int(connected.get("chainId") or 0) == expected:
                try:
                    domain, uri = page_origin()
                except SignInRefused as error:
                    st.session_state["_account_notice"] = _("Sign-in refused: {reason}").format(reason=error)
                else:
                    message = sign_in_message(nonce_book(), _session_id(), domain=domain, uri=uri,
                                              address=connected["account"], chain_id=expected)
                    st.session_state["_sign_in_request"] = new_request("sign_in", connected["account"],
                                                                       message=message)
            st.rerun()
        elif event.get("kind") == "sign_in" and pending and event.get("id") == pending["id"]:
            st.session_state.pop("_sign_in_request", None)
            if event.get("ok"):
                try:
                    domain, _uri = page_origin()
                    verified = verify_sign_in(nonce_book(), _session_id(), event.get("message", ""),
                                              event.get("signature", ""), domain=domain, chain_id=expected,
                                              rpc_url=chain.uri)
                except SignInRefused as error:
                    st.session_state["_account_notice"] = _("Sign-in refused: {reason}").format(reason=error)
                else:
                    st.session_state[IDENTITY] = Identity(
                        account=verified.account, via="wallet",
                        wallet=st.session_state.get("_wallet_connected", {}).get("wallet", ""),
                        contract_wallet=verified.contract_wallet)
            else:
                st.session_state["_account_notice"] = _("Sign-in not done: {reason}").format(reason=failure_sentence(event))
            st.rerun()
        elif kind == "error":
            st.error(failure_sentence(event))
    connected = st.session_state.get("_wallet_connected")
    if connected and connected.get("chainId") and int(connected["chainId"]) != expected:
        st.error(_("Wrong network: the wallet is on chain {chain}, the platform runs on chain {expected}. Switch the "
                   "wallet's network.").format(chain=connected["chainId"], expected=expected))
    elif pending:
        st.caption(_("Sign the sign-in message in your wallet: it proves the account is yours, and sends nothing."))
    if chain.dev_mode.allowed:
        _act_as(chain)


def _act_as(chain: ChainContext) -> None:
    try:
        identities = demo_identities(chain.uri)
    except PlatformError as error:
        st.caption(str(error))
        return
    choice = st.selectbox(_("Act as (dev mode)"), identities, format_func=lambda identity: identity.name,
                          index=None, key="act_as", placeholder=_("a demo organization"))
    if choice is not None and st.button(_("Act as this organization"), key="act_as_go"):
        # Checked again at the moment of acting: dev mode never outlives a change of chain.
        status = dev_mode_at(chain.uri)
        if not status.allowed:
            st.error(status.reason)
            return
        st.session_state.pop("_sign_in_request", None)  # a wallet's sign-in under way is dropped
        st.session_state[IDENTITY] = Identity(account=choice.account, via="dev")
        st.rerun()


def failure_sentence(result: dict) -> str:
    """A wallet's refusal or failure, in words."""
    reason = result.get("reason")
    if reason == "rejected":
        return _("You declined the request in your wallet; nothing was signed or sent.")
    if reason == "wrong_chain":
        return _("The wallet is on another network (chain {chain}): switch it to the platform's chain and try "
                 "again.").format(chain=result.get("chainId") or "?")
    if reason == "no_wallet":
        return _("No wallet found in this browser: install one (a browser extension) and reload the page.")
    if reason == "unreachable":
        return _("The wallet or the chain's node cannot be reached: {message}").format(message=result.get("message", ""))
    if reason == "other_account":
        return _("The wallet is on another account ({account}) than the one signed in: switch back, or sign in "
                 "again.").format(account=result.get("account") or "?")
    if reason == "reverted":
        data = result.get("data")
        if isinstance(data, str) and data.startswith("0x") and len(data) > 2:
            from dapp.chain.refusals import sentence_of_revert

            return _("Refused by the contract: {reason}").format(reason=sentence_of_revert(bytes.fromhex(data[2:])))
        return _("Refused by the contract: the transaction reverted.")
    return _("The wallet could not do it: {message}").format(message=result.get("message") or reason or "?")


def dev_mode_banner() -> None:
    """The banner every page shows while the session acts through a dev account."""
    identity = signed_in()
    if identity is not None and identity.via == "dev":
        st.info(_("Dev mode: acting as {account} through the local chain's dev account.")
                .format(account=short(identity.account)), icon=":material/construction:")


@dataclass
class Workspace:
    """Who a workspace page acts for: the verified identity, its standing read now, and the chain."""

    identity: Identity
    me: Standing
    chain: ChainContext


def workspace_or_stop(roles: Role, page_purpose: str) -> Workspace:
    """The signed-in organization when the registry lists it active in one of `roles`; otherwise
    the page says why it shows nothing (not signed in, not registered, waiting for approval,
    suspended, another role) and how to get access, and stops the script.

    This is the server's check: every run of a workspace page reads the account's standing from
    the chain, for the account the session proved (never one the browser names)."""
    identity = signed_in()
    if identity is None:
        st.info(_("Sign in with your wallet in the sidebar: {purpose}").format(purpose=page_purpose),
                icon=":material/account_circle:")
        st.stop()
    try:
        chain = chain_context()
        me = standing(identity.account)
    except PlatformError as error:
        st.error(str(error))
        st.stop()
    if me is None or not me.has_role(roles):
        st.warning(refusal_of(me, identity.account, roles), icon=":material/block:")
        st.stop()
    return Workspace(identity=identity, me=me, chain=chain)


def refusal_of(me: Standing | None, account: str, roles: Role) -> str:
    """Why `account` may not use a page for `roles`, and what to do about it."""
    wanted = ", ".join(_(ROLE_NAMES[role]) for role in Role if role in roles)
    if me is None or not me.registered:
        return _("This page is for organizations registered as: {roles}. The account {account} has not applied: "
                 "apply for registration on the Your account page, then a regulator approves the application.").format(roles=wanted, account=account)
    name = plain(me.display_name)
    if me.status == Status.APPLIED:
        return _("{name} has applied and waits for a regulator's approval: this page opens once the registry "
                 "lists it as active.").format(name=name)
    if me.status in (Status.SUSPENDED, Status.REVOKED):
        return _("The registry lists {name} as {status}: its workspace is closed until a regulator reinstates "
                 "it.").format(name=name, status=me.status_name)
    return _("This page is for organizations registered as: {roles}. The registry lists {name} as: {held}. "
             "To act in another role, ask a regulator to change the organization's roles.").format(
        roles=wanted, name=name, held=", ".join(me.role_names) or _("none"))
