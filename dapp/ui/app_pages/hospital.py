"""Hospital's workspace (being built: the gate only)."""

from __future__ import annotations

import streamlit as st

from dapp.i18n import _
from dapp.roles import Role
from dapp.ui.account import dev_mode_banner, workspace_or_stop

st.title(_("Hospital's workspace"))
dev_mode_banner()
workspace = workspace_or_stop(Role.MEDICAL_ORGANIZATION | Role.PHARMACY, _("this page is for medical organizations and pharmacies: their stock, reports, purchase planning, deliveries and packs."))
