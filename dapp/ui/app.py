"""The dApp's Streamlit script: the language, the sidebar, and the pages (st.navigation)."""

from __future__ import annotations

import streamlit as st

from dapp.ui import session

st.set_page_config(page_title="MedChain", page_icon="💊", layout="wide")
session.start()

pages = [
    st.Page("pages/home.py", title=session.t("Home"), icon="🏠", url_path="home", default=True),
    st.Page("pages/verify.py", title=session.t("Verify a pack"), icon="🔍", url_path="verify"),
]
navigation = st.navigation(pages)
session.sidebar()
navigation.run()
