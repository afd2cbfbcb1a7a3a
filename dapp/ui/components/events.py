"""What the page's components send back, each event handled once per session."""

from __future__ import annotations

import streamlit as st


def fresh(result: dict | None, key: str) -> dict | None:
    """`result` when this session has not handled it yet (each carries its own `seq`)."""
    if not result or "seq" not in result:
        return None
    seen = st.session_state.setdefault("_component_events_seen", {})
    if seen.get(key) == result["seq"]:
        return None
    seen[key] = result["seq"]
    return result
