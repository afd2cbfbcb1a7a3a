"""Supplier's workspace (being built: the gate only)."""

from __future__ import annotations

import streamlit as st

from dapp.i18n import _
from dapp.roles import Role
from dapp.ui.account import dev_mode_banner, workspace_or_stop

st.title(_("Supplier's workspace"))
dev_mode_banner()
workspace = workspace_or_stop(Role.MANUFACTURER | Role.DISTRIBUTOR | Role.SUPPLIER, _("this page is for manufacturers, distributors and suppliers: their products, batches, labels and shipments."))
