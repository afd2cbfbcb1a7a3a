import streamlit as st

from dapp.i18n import _

st.title(_("MedChain"))
st.write(_("Check that a medicine or device is genuine, and keep hospitals stocked."))
