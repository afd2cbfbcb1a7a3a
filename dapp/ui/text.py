"""Text from the chain or from users, shown as text: Streamlit's markdown would otherwise turn
an organization named `[Verified](https://…)` into a link, or `**…**` into emphasis."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def plain(text: object) -> str:
    """`text` with every character markdown gives a meaning backslash-escaped (HTML stays text
    too: the pages never render HTML from data)."""
    return _MARKDOWN.sub(r"\\\1", str(text))
