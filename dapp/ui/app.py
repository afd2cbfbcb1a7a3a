"""The dApp's Streamlit script: the language, the sidebar, and the pages (st.navigation)."""

from __future__ import annotations

import streamlit as st

from dapp.ui import session

st.set_page_config(page_title="MedChain", page_icon=":material/medication:", layout="wide")
session.start()

pages = [
    st.Page("app_pages/home.py", title=session.t("Home"), icon=":material/home:", url_path="home", default=True),
    st.Page("app_pages/verify.py", title=session.t("Verify a pack"), icon=":material/qr_code_scanner:", url_path="verify"),
    st.Page("app_pages/account.py", title=session.t("Your account"), icon=":material/account_circle:", url_path="account"),
    st.Page("app_pages/supplier.py", title=session.t("Supplier's workspace"), icon=":material/factory:",
            url_path="supplier"),
    st.Page("app_pages/hospital.py", title=session.t("Hospital's workspace"), icon=":material/local_hospital:",
            url_path="hospital"),
    st.Page("app_pages/tenders.py", title=session.t("Tenders"), icon=":material/gavel:", url_path="tenders"),
    st.Page("app_pages/market.py", title=session.t("Market"), icon=":material/monitoring:", url_path="market"),
    st.Page("app_pages/regulator.py", title=session.t("Regulator"), icon=":material/policy:", url_path="regulator"),
]
navigation = st.navigation(pages)
session.sidebar()
navigation.run()
