"""The clients every session shares, made once per server process (`st.cache_resource`)."""

from __future__ import annotations

import streamlit as st

from dapp.verification.report_limits import ReportLimiter
from dapp.verification.receipts import shared_receipt_service
from dapp.verification.service import VerificationService


@st.cache_resource(show_spinner=False)
def verification() -> VerificationService:
    """The verifier (it follows the chain's events; the resolver's routes and the Verify page
    share the same one, whose verdicts carry their receipts)."""
    return shared_receipt_service()


@st.cache_resource(show_spinner=False)
def database():
    """The platform's database (MEDCHAIN_DATABASE_URL, else data/platform.db), migrated to the latest."""
    from dapp.records.engine import open_database

    return open_database()


@st.cache_resource(show_spinner=False)
def report_limiter() -> ReportLimiter:
    return ReportLimiter()
