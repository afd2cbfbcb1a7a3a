"""The sidebar's account panel: who this browser session acts for."""

from __future__ import annotations

import streamlit as st

from dapp.i18n import _


def account_panel() -> None:
    st.caption(_("No wallet connected: verifying a pack needs none."))
