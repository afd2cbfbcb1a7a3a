"""The home page: what the platform is, and where each kind of user goes."""

import streamlit as st

from dapp.i18n import _

st.title(_("MedChain: genuine medicines, stocked hospitals"))
st.write(_("A public blockchain registry of medicines and medical devices: who makes them, which batches exist, "
           "where every pack has been, and which tenders supply the hospitals. Anyone can check a pack; "
           "suppliers, hospitals and regulators act with their own wallets."))

verify, supplier = st.columns(2)
with verify:
    with st.container(border=True):
        st.subheader(_("Anyone: is this pack genuine?"))
        st.write(_("Scan the code on the pack with your phone's camera, upload a photo or type the code. "
                   "No wallet or account needed."))
        st.page_link("app_pages/verify.py", label=_("Verify a pack"), icon=":material/arrow_forward:")
with supplier:
    with st.container(border=True):
        st.subheader(_("Suppliers and manufacturers"))
        st.write(_("Register your organization and products, commission batches, ship them, and bid in tenders, "
                   "signing with your wallet."))
        st.caption(_("Connect your wallet in the sidebar."))
hospital, regulator = st.columns(2)
with hospital:
    with st.container(border=True):
        st.subheader(_("Hospitals and pharmacies"))
        st.write(_("Receive deliveries by scanning a few packs, keep stock against the norms, plan purchases and run "
                   "tenders on-chain."))
        st.caption(_("Connect your wallet in the sidebar."))
with regulator:
    with st.container(border=True):
        st.subheader(_("Regulators"))
        st.write(_("Approve organizations, recall batches and read the reports of suspect packs."))
        st.caption(_("Connect your wallet in the sidebar."))

st.divider()
st.caption(_("How it works: every batch's serial numbers are committed on-chain as a Merkle root; a pack's code is "
             "checked against that root, its batch's status, and its custody history. The documents are stored by "
             "content identifier (CID), so any change to them shows."))
