"""Text from the chain shown as text on the pages."""

import pytest

from dapp.ui.text import plain


@pytest.mark.parametrize("hostile", [
    "[Verified by Roszdravnadzor](https://evil.example)",
    "**GENUINE**",
    "<img src=x onerror=alert(1)>",
    "`code` # heading | table ~~strike~~ $x$ :material/check:",
])
def test_plain__markdown_and_html_stay_text(hostile):
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").render(plain(hostile))
    assert "<a " not in rendered and "<strong>" not in rendered and "<img" not in rendered and "<code>" not in rendered
    assert rendered.count("<p>") == 1  # one paragraph: no heading, no list


def test_plain__ordinary_names_unchanged_but_for_escapes():
    assert plain("ГБУЗ «Городская клиническая больница № 1 ДЗМ»") == "ГБУЗ «Городская клиническая больница № 1 ДЗМ»"
