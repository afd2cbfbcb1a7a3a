import streamlit as st

from dapp.i18n import _

st.title(_("Verify a pack"))
