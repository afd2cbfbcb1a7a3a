"""What every page run starts with: the session's language, and the sidebar."""

from __future__ import annotations

import streamlit as st

from dapp.i18n import LANGUAGES, _, current_language, language_from_accept, set_language

LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def start() -> None:
    """Sets this run's language: the one chosen in this session, else the browser's."""
    if "language" not in st.session_state:
        st.session_state["language"] = language_from_accept(st.context.locale or "")
    set_language(st.session_state["language"])


def t(message: str) -> str:
    return _(message)


def sidebar() -> None:
    from dapp.ui.account import account_panel

    with st.sidebar:
        account_panel()
        st.selectbox(
            _("Language"), LANGUAGES, key="language", format_func=LANGUAGE_NAMES.__getitem__,
            on_change=lambda: set_language(st.session_state["language"]))
