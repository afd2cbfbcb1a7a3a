"""Your account: the signed-in account's organization, roles, status and payment-token balance,
and two real actions through the wallet: approve the tender contract to take a bid security
(eth_sendTransaction) and an EIP-2612 permit (eth_signTypedData_v4, then the permit sent)."""

from __future__ import annotations

import time

import streamlit as st

from dapp.actions import payment_token
from dapp.chain.actions import PreparedAction, SignatureRequest, action, call_at
from dapp.errors import PlatformError
from dapp.i18n import _, format_rubles
from dapp.tenders.typed_data import permit_typed_data
from dapp.ui.account import chain_context, dev_mode_banner, signed_in, standing
from dapp.ui.text import plain
from dapp.ui.wallet import carry_out_in_browser, show_outcome

DAY = 24 * 60 * 60

st.title(_("Your account"))
dev_mode_banner()
identity = signed_in()
if identity is None:
    st.info(_("Sign in with your wallet in the sidebar: the page then shows your organization and lets you act "
              "for it."), icon=":material/account_circle:")
    st.stop()

try:
    chain = chain_context()
    found = standing(identity.account)
    deployment = chain.deployment
    token, tenders = deployment.address("PaymentToken"), deployment.address("Tenders")
    reader = chain.reader
    allowance, nonce = reader.batch([reader.call("PaymentToken", "allowance", identity.account, tenders),
                                     reader.call("PaymentToken", "nonces", identity.account)])
except PlatformError as error:
    st.error(str(error))
    st.stop()

st.subheader(plain(found.display_name))
st.markdown(_("Account: `{account}`").format(account=identity.account))
left, middle, right = st.columns(3)
left.metric(_("Status"), found.status_name)
middle.metric(_("Roles"), ", ".join(found.role_names) or _("none"))
right.metric(_("Payment token balance"), format_rubles(found.token_balance or 0))
st.caption(_("The tender contract may take {allowance} of your payment token (for bid securities and "
             "escrow).").format(allowance=format_rubles(int(allowance))))

st.subheader(_("Allow the tender contract to take a bid security"))
approve_rubles = st.number_input(_("Amount, rubles"), min_value=0.0, value=1000.0, step=100.0, key="approve_amount")
clicked = st.button(_("Approve in the wallet"), key="approve_go", icon=":material/account_balance_wallet:")
prepared = None
if clicked:
    try:
        prepared = payment_token.approve(deployment, identity.account, tenders, round(approve_rubles * 100))
    except PlatformError as error:
        st.error(str(error))
show_outcome(carry_out_in_browser(prepared, key="approve"))

st.subheader(_("Sign a permit instead (EIP-2612)"))
st.caption(_("One signature lets the tender contract take the amount, with no approval transaction first; here "
             "the permit is then sent, so you see it take effect."))
permit_rubles = st.number_input(_("Amount, rubles"), min_value=0.0, value=500.0, step=100.0, key="permit_amount")
clicked = st.button(_("Sign the permit in the wallet"), key="permit_go", icon=":material/signature:")
prepared = None
if clicked:
    value, deadline = round(permit_rubles * 100), int(time.time()) + DAY
    typed = permit_typed_data(deployment.chain_id, token, identity.account, tenders, value, int(nonce), deadline)
    description = _("let the tender contract take {amount} of the payment token").format(amount=format_rubles(value))

    def complete(signatures, owner=identity.account, value=value, deadline=deadline, description=description):
        signature = bytes(signatures[0])
        call = call_at(token, "PaymentToken", "permit",
                       [owner, tenders, value, deadline, signature[64], signature[:32], signature[32:64]], description)
        return action(owner, description, call)

    prepared = PreparedAction(sender=identity.account, description=description,
                              to_sign=(SignatureRequest(typed, description),), complete=complete)
show_outcome(carry_out_in_browser(prepared, key="permit"))
