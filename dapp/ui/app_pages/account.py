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
from dapp.identity.standing import ROLE_NAMES
from dapp.inputs.organization import OWNERSHIPS, OrganizationDetails, prepare_application
from dapp.roles import Role, Status
from dapp.tenders.typed_data import permit_typed_data
from dapp.ui.account import chain_context, dev_mode_banner, signed_in, standing
from dapp.ui.text import plain
from dapp.ui.wallet import carry_out_in_browser, show_outcome

DAY = 24 * 60 * 60



def apply_for_registration(deployment, account: str, found) -> None:
    """Apply for registration (not registered yet), or update the application's details (applied,
    waiting for a regulator): the organization's details and documents, stored by CID, then
    `Participants.apply` / `update_metadata` through the wallet."""
    waiting = found.status == Status.APPLIED
    if waiting:
        st.subheader(_("Your application"))
        st.info(_("A regulator has your application and decides on it: until then you may correct its details "
                  "(they replace the ones given)."), icon=":material/hourglass_top:")
    else:
        st.subheader(_("Apply for registration"))
        st.caption(_("Give your organization's details and its documents (licence, registration certificate): "
                     "they are stored under their content's hash, and the registry records your application. A "
                     "regulator then checks them and approves you in one or more roles."))
    given = found.metadata if waiting else {}
    name = st.text_input(_("Full name of the organization"), value=str(given.get("name", "")), key="apply_name")
    left, right = st.columns(2)
    country = left.text_input(_("Country (two-letter code)"), value=str(given.get("country", "RU")),
                              key="apply_country", max_chars=2)
    city = right.text_input(_("City"), value=str(given.get("city", "")), key="apply_city")
    inn = left.text_input(_("INN"), value=str(given.get("inn", "")), key="apply_inn",
                          help=_("10 digits for an organization, 12 for an individual entrepreneur; required in Russia."))
    ogrn = right.text_input(_("OGRN"), value=str(given.get("ogrn", "")), key="apply_ogrn",
                            help=_("13 digits (15 for an OGRNIP); required in Russia."))
    ownership_words = {"state": _("state"), "private": _("private")}
    ownership = left.radio(_("Ownership"), OWNERSHIPS, key="apply_ownership", horizontal=True,
                           index=OWNERSHIPS.index(given.get("ownership", "private"))
                           if given.get("ownership") in OWNERSHIPS else 1,
                           format_func=ownership_words.get)
    licence = right.text_input(_("Licence number"), value=str(given.get("licence", "")), key="apply_licence")
    choices = [role for role in Role if role != Role.REGULATOR]
    asked = [role for role in choices if role.name.lower() in given.get("roles", [])]
    role_words = {role: _(ROLE_NAMES[role]) for role in choices}  # words of this run's language
    roles = st.multiselect(_("Roles asked for"), choices, default=asked, key="apply_roles",
                           format_func=role_words.get)
    files = st.file_uploader(_("Documents (licence, registration certificate)"), accept_multiple_files=True,
                             key="apply_documents")
    label = _("Update the application in the wallet") if waiting else _("Apply in the wallet")
    prepared = None
    if st.button(label, key="apply_go", icon=":material/how_to_reg:"):
        details = OrganizationDetails(name=name, country=country, ownership=ownership, city=city, inn=inn, ogrn=ogrn,
                                      licence=licence, roles=Role(sum(int(role) for role in roles)))
        try:
            prepared, _cid = prepare_application(deployment, account, found.status, details,
                                                 [(f.name, f.getvalue()) for f in files or []])
        except PlatformError as error:
            st.error(str(error), icon=":material/block:")
    outcome = carry_out_in_browser(prepared, key="apply")
    show_outcome(outcome)
    if outcome is not None and outcome.ok:
        st.info(_("The registry now lists your application: a regulator reviews it, and your workspace opens "
                  "once you are approved."), icon=":material/hourglass_top:")


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

if found.status in (Status.NONE, Status.APPLIED):
    apply_for_registration(deployment, identity.account, found)

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
