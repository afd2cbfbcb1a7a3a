"""The home page: what the platform is, and where each kind of user goes."""

import streamlit as st

from dapp.i18n import _

st.title(_("MedChain: genuine medicines, stocked hospitals"))
st.write(_("A public blockchain registry of medicines and medical devices: who makes them, which batches exist, "
           "where every pack has been, and which tenders supply the hospitals. Anyone can check a pack; "
           "suppliers, hospitals and regulators act with their own wallets."))

CARDS = [  # (heading, what they do here, where they go: a page, or None for the wallet)
    (_("Anyone: is this pack genuine?"),
     _("Scan the code on the pack with your phone's camera, upload a photo or type the code. "
       "No wallet or account needed."), "app_pages/verify.py"),
    (_("Suppliers and manufacturers"),
     _("Register your organization and products, commission batches, ship them, and bid in tenders, "
       "signing with your wallet."), None),
    (_("Hospitals and pharmacies"),
     _("Receive deliveries by scanning a few packs, keep stock against the norms, plan purchases and run "
       "tenders on-chain."), None),
    (_("Regulators"), _("Approve organizations, recall batches and read the reports of suspect packs."), None),
]
for row in (CARDS[:2], CARDS[2:]):  # two by two on a laptop; Streamlit stacks them on a phone
    for column, (heading, text, page) in zip(st.columns(2), row):
        with column, st.container(border=True):
            st.subheader(heading)
            st.write(text)
            if page:
                st.page_link(page, label=_("Verify a pack"), icon=":material/arrow_forward:")
            else:
                st.caption(_("Connect your wallet in the sidebar."))

st.divider()
st.caption(_("How it works: every batch's serial numbers are committed on-chain as a Merkle root; a pack's code is "
             "checked against that root, its batch's status, and its custody history. The documents are stored by "
             "content identifier (CID), so any change to them shows."))
