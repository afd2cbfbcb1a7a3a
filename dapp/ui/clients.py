"""The clients every session shares, made once per server process (`st.cache_resource`)."""

from __future__ import annotations

import streamlit as st

from dapp.verification.report_limits import ReportLimiter
from dapp.verification.service import VerificationService, shared_service


@st.cache_resource(show_spinner=False)
def verification() -> VerificationService:
    """The verifier (it follows the chain's events; the resolver's routes share the same one)."""
    return shared_service()


@st.cache_resource(show_spinner=False)
def database():
    """The platform's database (MEDCHAIN_DATABASE_URL, else data/platform.db), migrated to the latest."""
    from dapp.records.engine import open_database

    return open_database()


@st.cache_resource(show_spinner=False)
def report_limiter() -> ReportLimiter:
    return ReportLimiter()
