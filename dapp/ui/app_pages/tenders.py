"""Tenders (being built: the gate only)."""

from __future__ import annotations

import streamlit as st

from dapp.i18n import _
from dapp.roles import Role
from dapp.ui.account import dev_mode_banner, workspace_or_stop

st.title(_("Tenders"))
dev_mode_banner()
workspace = workspace_or_stop(Role.MEDICAL_ORGANIZATION | Role.SUPPLIER, _("this page is for medical organizations publishing tenders and the suppliers bidding on them."))
