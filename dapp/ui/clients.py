"""The clients every session shares, made once per server process (`st.cache_resource`)."""

from __future__ import annotations

import streamlit as st

from dapp.verification.service import VerificationService, shared_service


@st.cache_resource(show_spinner=False)
def verification() -> VerificationService:
    """The verifier (it follows the chain's events; the resolver's routes share the same one)."""
    return shared_service()
